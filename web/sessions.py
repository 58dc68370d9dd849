"""Server-side sessions in the database, so that every instance of the portal shares them.

The cookie holds a random token; the table holds only its SHA-256. Idle timeout: 30 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from web import panne
from web.tables import ACTIF, Organisme, Session, Utilisateur
from web.temps import maintenant

COOKIE = "portail_session"
INACTIVITE = timedelta(minutes=30)
# vu_le is written at most this often, not on every request.
RAFRAICHIR = timedelta(seconds=60)


def _hash(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


async def ouvrir(utilisateur_id: int, adresse: str) -> str:
    jeton = secrets.token_urlsafe(32)
    now = maintenant()
    await Session.insert(Session(jeton_hash=_hash(jeton), utilisateur=utilisateur_id, cree_le=now, vu_le=now, adresse=adresse[:45]))
    return jeton


async def fermer(jeton: str | None) -> None:
    if jeton:
        await Session.delete().where(Session.jeton_hash == _hash(jeton))


async def fermer_toutes(utilisateur_id: int) -> None:
    await Session.delete().where(Session.utilisateur == utilisateur_id)


# Every request asks for its session: one hand-written query (Piccolo's joined select costs more
# to build than three small queries). The columns come from the tables, so none is forgotten.
_SQL_SESSION = (
    "SELECT s.id AS s__id, s.vu_le AS s__vu_le, u.*, "
    + ", ".join(f'o."{c._meta.db_column_name}" AS "o__{c._meta.name}"' for c in Organisme._meta.columns)
    + " FROM session s JOIN utilisateur u ON u.id = s.utilisateur"
    + " LEFT JOIN organisme o ON o.id = u.organisme WHERE s.jeton_hash = {}"
)


async def charger(jeton: str) -> tuple[Utilisateur, Organisme | None] | None:
    """The signed-in person of a live session, or None (expired sessions are removed)."""
    rows = await Session.raw(_SQL_SESSION, _hash(jeton))
    if not rows:
        return None
    row = rows[0]
    session_id, vu_le = row.pop("s__id"), row.pop("s__vu_le")
    org_ = {k[3:]: row.pop(k) for k in list(row) if k.startswith("o__")}
    now = maintenant()
    if now - vu_le > INACTIVITE:
        await Session.delete().where(Session.id == session_id)
        return None
    u = Utilisateur(_exists_in_db=True, **row)
    if u.statut != ACTIF:
        return None
    org = Organisme(_exists_in_db=True, **org_) if u.organisme else None
    if org is not None and org.statut != ACTIF:
        return None
    if now - vu_le > RAFRAICHIR:
        await Session.update({Session.vu_le: now}).where(Session.id == session_id)
    return u, org


class SessionMiddleware:
    """Puts the signed-in person (or None) on request.state for every non-static request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            state = scope.setdefault("state", {})
            state["utilisateur"] = state["organisme"] = None
            jeton = ASGIConnection(scope).cookies.get(COOKIE)
            if jeton and len(jeton) < 100:
                try:
                    charge = await charger(jeton)
                except Exception as exc:
                    if not panne.est_panne(exc):
                        raise
                    # Answered here, inside the middleware stack, so that the metrics see the 503.
                    panne.signaler(exc)
                    request = Request(scope, receive)
                    await panne.reponse(request).to_asgi_response(scope["litestar_app"], request)(scope, receive, send)
                    return
                if charge:
                    state["utilisateur"], state["organisme"] = charge
        await self.app(scope, receive, send)


async def purger(now) -> int:
    """Housekeeping (web.menage): sessions past their idle timeout."""
    return len(await Session.delete().where(Session.vu_le < now - INACTIVITE).returning(Session.id))
