"""The pages every French public service must offer, linked from every page's footer, public or
signed in: the accessibility statement (RGAA model), mentions légales, données personnelles, plan
du site. Read-only; the settings give the operator's name and the publisher's details."""

from __future__ import annotations

from litestar import Request, Response, get

from web.rendu import rendre


def _contexte(request: Request) -> dict:
    s = request.app.state.settings
    return {"reglages": s}


@get("/accessibilite", name="accessibilite")
async def accessibilite(request: Request) -> Response:
    return await rendre(request, "informations/accessibilite.html", _contexte(request))


@get("/mentions-legales", name="mentions_legales")
async def mentions_legales(request: Request) -> Response:
    return await rendre(request, "informations/mentions_legales.html", _contexte(request))


@get("/donnees-personnelles", name="donnees_personnelles")
async def donnees_personnelles(request: Request) -> Response:
    return await rendre(request, "informations/donnees_personnelles.html", _contexte(request))


@get("/plan-du-site", name="plan_du_site")
async def plan_du_site(request: Request) -> Response:
    """Every page a visitor reaches, and the pages of each role."""
    return await rendre(request, "informations/plan_du_site.html", _contexte(request))


ROUTES = [accessibilite, mentions_legales, donnees_personnelles, plan_du_site]
