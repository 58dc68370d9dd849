"""What a request carries, read in one place: the session (its middleware), the client's address,
the session cookie, and the three values handlers receive by dependency injection (`moi`,
`organisme`, `acteur`), built once per request from what the middleware put on it."""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.plugins.htmx import HTMXRequest
from litestar.types import ASGIApp, Receive, Scope, Send

from web import panne, sessions
from web.acteur import Acteur
from web.rendu import page_panne
from web.tables import Organisme, Utilisateur


class SessionMiddleware:
    """Puts the signed-in person (or None) on request.state for every non-static request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            state = scope.setdefault("state", {})
            state["utilisateur"] = state["organisme"] = state["demi_session"] = None
            jeton = ASGIConnection(scope).cookies.get(sessions.COOKIE)
            if jeton and len(jeton) < 100:
                settings = scope["app"].state.settings
                try:
                    charge = await sessions.charger(jeton, settings.session_duree_max)
                except Exception as exc:
                    if not panne.est_panne(exc):
                        raise
                    # Answered here, inside the middleware stack, so that the metrics see the 503.
                    panne.signaler(exc)
                    request = HTMXRequest(scope, receive)
                    await page_panne(request).to_asgi_response(scope["litestar_app"], request)(scope, receive, send)
                    return
                if charge and charge[2]:
                    # The password alone: not signed in for any page, only for its second step.
                    state["demi_session"] = (charge[0], charge[2])
                elif charge:
                    state["utilisateur"], state["organisme"] = charge[0], charge[1]
        await self.app(scope, receive, send)


def adresse(request: Request) -> str:
    """The client's address (uvicorn's: X-Forwarded-For only behind a trusted proxy)."""
    return request.client.host if request.client else ""


def cookie_session(request: Request, jeton: str | None) -> Cookie:
    """The session cookie to set, or (jeton=None) to remove."""
    secure = request.app.state.settings.production
    if jeton is None:
        return Cookie(key=sessions.COOKIE, value="", max_age=0, expires=0, httponly=True, samesite="lax", secure=secure, path="/")
    return Cookie(key=sessions.COOKIE, value=jeton, httponly=True, samesite="lax", secure=secure, path="/")


def _moi(request: Request) -> Utilisateur | None:
    return request.state.utilisateur


# Each provider names the one before it (moi, then organisme, then acteur) though it reads the
# request's state: Litestar then resolves them one after the other, where independent providers
# would each get a task of their own in an anyio task group, on every request (4 % of a page).
def _organisme(request: Request, moi: NamedDependency[Utilisateur | None]) -> Organisme | None:
    return request.state.organisme


def _acteur(request: Request, organisme: NamedDependency[Organisme | None]) -> Acteur:
    moi = request.state.utilisateur
    return Acteur.de(moi, adresse(request)) if moi is not None else Acteur(adresse=adresse(request))


# Registered on the application: a handler names `moi`, `organisme` or `acteur` to receive it (the
# guards, web.droits, have already refused a request without the person or organisation it needs).
DEPENDANCES = {
    "moi": Provide(_moi, sync_to_thread=False),
    "organisme": Provide(_organisme, sync_to_thread=False),
    "acteur": Provide(_acteur, sync_to_thread=False),
}

# What a handler names to receive them (the guards have refused a request without what it needs).
Moi = NamedDependency[Utilisateur]
MoiPeutEtre = NamedDependency[Utilisateur | None]
SonOrganisme = NamedDependency[Organisme]
OrganismePeutEtre = NamedDependency[Organisme | None]
QuiAgit = NamedDependency[Acteur]
