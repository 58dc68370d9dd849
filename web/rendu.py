"""Page or fragment: one template per screen, one named block per swappable region."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from jinja2_fragments import render_block
from litestar import Request, Response
from litestar.enums import MediaType
from markupsafe import Markup, escape


def est_htmx(request: Request) -> bool:
    h = request.headers
    return h.get("hx-request") == "true" and h.get("hx-history-restore-request") != "true" and h.get("hx-boosted") != "true"


def cible(request: Request) -> str | None:
    return request.headers.get("hx-target") if est_htmx(request) else None


def contexte_de_base(request: Request) -> dict[str, Any]:
    token = request.scope.get("_csrf_token") or _csrf_token(request)
    return {
        "request": request,
        "csrf_token": token,
        "csrf_input": Markup('<input type="hidden" name="_csrf_token" value="%s">') % escape(token),
        "moi": getattr(request.state, "utilisateur", None),
        "organisme": getattr(request.state, "organisme", None),
    }


def _csrf_token(request: Request) -> str:
    from litestar.utils.scope.state import ScopeState

    return ScopeState.from_scope(request.scope).csrf_token or ""


def rendre(
    request: Request,
    template: str,
    contexte: dict[str, Any] | None = None,
    *,
    bloc: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """Render the whole page, or only `bloc` when given (an htmx request for that region)."""
    env = request.app.template_engine.engine  # type: ignore[union-attr]
    ctx = {**contexte_de_base(request), **(contexte or {})}
    html = render_block(env, template, bloc, **ctx) if bloc else env.get_template(template).render(ctx)
    return Response(
        html,
        media_type=MediaType.HTML,
        status_code=status_code,
        headers={"Vary": "HX-Request", **(headers or {})},
    )


def rediriger(request: Request, url: str) -> Response[str]:
    """303 for a plain form; HX-Redirect so that htmx loads the whole next page."""
    if est_htmx(request):
        return Response("", status_code=200, headers={"HX-Redirect": url, "Vary": "HX-Request"})
    return Response("", status_code=303, headers={"Location": url, "Vary": "HX-Request"})


def verification_en_ligne(actif: bool, nom: str, url: str = "/habilitations/ajouter") -> dict[str, str]:
    """htmx attributes that check one field as the user leaves it: the form is posted with
    action=verifier and only that field's wrapper (#champ-<nom>) is swapped back."""
    if not actif:
        return {}
    return {
        "hx-post": url,
        "hx-trigger": "blur changed",
        "hx-target": f"#champ-{nom}",
        "hx-select": f"#champ-{nom}",
        "hx-swap": "outerHTML",
        "hx-include": "closest form",
        "hx-vals": '{"action": "verifier"}',
    }


def page_erreur(request: Request, status: int, titre: str, message: str, headers: dict[str, str] | None = None) -> Response[str]:
    """The error page; for an htmx request only its message (the script shows it in the region the
    request targets, and announces it)."""
    bloc = "erreur" if est_htmx(request) else None
    ctx = {"titre": titre, "message": message, "status": status}
    return rendre(request, "erreur.html", ctx, bloc=bloc, status_code=status, headers=headers)


@functools.cache
def statique(chemin: str) -> str:
    """/static/<chemin>?v=<hash of its content>: a URL that changes with the file, which nginx
    lets browsers keep for a year (deploy/nginx/portail.conf)."""
    from web.settings import ROOT

    empreinte = hashlib.sha256((ROOT / "static" / chemin).read_bytes()).hexdigest()[:12]
    return f"/static/{chemin}?v={empreinte}"
