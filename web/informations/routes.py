"""The pages every French public service must offer, linked from every page's footer, public or
signed in: the accessibility statement (RGAA model), mentions légales, données personnelles, plan
du site. Read-only; the settings give the operator's name and the publisher's details."""

from __future__ import annotations

from litestar import Request, Response, get

from web.rendu import rendre

# Address -> template (components/informations/<nom>.html), which is also the route's name.
PAGES = {
    "/accessibilite": "accessibilite",
    "/mentions-legales": "mentions_legales",
    "/donnees-personnelles": "donnees_personnelles",
    "/plan-du-site": "plan_du_site",
}


def _page(chemin: str, nom: str):
    async def afficher(request: Request) -> Response:
        return await rendre(request, f"informations/{nom}.html", {"reglages": request.app.state.settings})

    afficher.__name__ = afficher.__qualname__ = nom
    return get(chemin, name=nom)(afficher)


ROUTES = [_page(chemin, nom) for chemin, nom in PAGES.items()]
