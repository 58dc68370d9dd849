"""The one place that answers "may this person do this?". Guards and templates both ask it."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from web import cgu
from web.tables import AGENT_CDC, DELEGUE, GESTIONNAIRE, PRINCIPAL, Utilisateur

LIBELLES_ROLE = {
    PRINCIPAL: "ADMINISTRATEUR PRINCIPAL",
    DELEGUE: "ADMINISTRATEUR DÉLÉGUÉ",
    GESTIONNAIRE: "GESTIONNAIRE",
    AGENT_CDC: "CAISSE DES DÉPÔTS",
}


class NonConnecte(Exception):
    """No live session: the person is sent to the sign-in page."""


class CguAValider(Exception):
    """Signed in, but the current CGU version is not accepted yet."""


class Interdit(Exception):
    """Signed in, but not allowed: 403."""


def libelle_role(u: Utilisateur) -> str:
    return LIBELLES_ROLE[u.role]


def cgu_a_jour(u: Utilisateur) -> bool:
    return u.cgu_version == cgu.VERSION


def est_administrateur(u: Utilisateur) -> bool:
    return u.role in (PRINCIPAL, DELEGUE)


def exiger_session(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard for the CGU screen itself: signed in is enough."""
    if connection.state.get("utilisateur") is None:
        raise NonConnecte


def exiger_connexion(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard for every page of the portal: signed in and the current CGU accepted."""
    exiger_session(connection, handler)
    if not cgu_a_jour(connection.state["utilisateur"]):
        raise CguAValider
