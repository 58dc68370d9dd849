"""/composants: every component of the design system in every state, in development only (a 404
in production). `make captures` screenshots it with the main screens (scripts/captures.py)."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

from web.formulaires import Erreurs
from web.pagination import paginer
from web.rendu import rendre


@get("/composants", name="composants")
async def composants(request: Request) -> Response:
    if request.app.state.settings.env != "development":
        raise NotFoundException
    ctx = {
        "erreurs": Erreurs(exemple_texte="Saisissez le nom.", exemple_date="La date doit être au format JJ/MM/AAAA."),
        "pagination": paginer(2, 10, "/composants")(35),
    }
    return await rendre(request, "composants.html", ctx)
