"""Server-side sessions in the database, so that every instance of the portal shares them.

The cookie holds a random token; the table holds only its SHA-256. Idle timeout: 30 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

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


def _ligne(table, row: dict, prefixe: str):
    return table(_exists_in_db=True, **{c._meta.name: row[f"{prefixe}.{c._meta.name}"] for c in table._meta.columns})


async def charger(jeton: str) -> tuple[Utilisateur, Organisme | None] | None:
    """The signed-in person of a live session, or None (expired sessions are removed).
    Every request asks this: the session, its person and their organisation in one query."""
    u_, o_ = Session.utilisateur, Session.utilisateur.organisme
    colonnes = (Session.id, Session.vu_le, *u_.all_columns(), *o_.all_columns())
    row = await Session.select(*colonnes).where(Session.jeton_hash == _hash(jeton)).first()
    if row is None:
        return None
    now = maintenant()
    if now - row["vu_le"] > INACTIVITE:
        await Session.delete().where(Session.id == row["id"])
        return None
    u = _ligne(Utilisateur, row, "utilisateur")
    if u.statut != ACTIF:
        return None
    org = _ligne(Organisme, row, "utilisateur.organisme") if u.organisme else None
    if org is not None and org.statut != ACTIF:
        return None
    if now - row["vu_le"] > RAFRAICHIR:
        await Session.update({Session.vu_le: now}).where(Session.id == row["id"])
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
                charge = await charger(jeton)
                if charge:
                    state["utilisateur"], state["organisme"] = charge
        await self.app(scope, receive, send)
