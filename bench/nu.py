"""The reference for page throughput: a bare Litestar route rendering a Jinja template, with
nothing else (no database, session, CSRF or headers). Served like `portail serve`."""

from __future__ import annotations

import sys
from pathlib import Path

from litestar import Litestar, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig


@get("/nu")
async def nu() -> Template:
    return Template("nu.html", context={"titre": "Route nue", "texte": "Une page rendue par un gabarit, sans rien d'autre."})


app = Litestar(
    route_handlers=[nu],
    template_config=TemplateConfig(directory=Path(__file__).parent / "gabarits", engine=JinjaTemplateEngine),
    debug=False,
)

if __name__ == "__main__":
    import uvicorn

    # The settings of `portail serve` (web/cli.py): one process, no access log.
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), proxy_headers=False, server_header=False, access_log=False)
