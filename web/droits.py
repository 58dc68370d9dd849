"""The one place that answers "may this person do this?". Guards and templates both ask it.

docs/regles.md: one principal administrator per organisation; délégués manage plain
gestionnaires; only the principal grants the délégué flag and manages délégués; only the
Caisse des Dépôts renews the principal's password. Habilitation levels are cumulative and
enforced for `operateur` organisations only ("sans conséquence" for employeurs publics).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from web import cgu
from web.tables import ACTIF, AGENT_CDC, DELEGUE, GESTIONNAIRE, PRINCIPAL, Organisme, Utilisateur

LIBELLES_ROLE = {
    PRINCIPAL: "ADMINISTRATEUR PRINCIPAL",
    DELEGUE: "ADMINISTRATEUR DÉLÉGUÉ",
    GESTIONNAIRE: "GESTIONNAIRE",
    AGENT_CDC: "CAISSE DES DÉPÔTS",
}

# Cumulative levels, lowest first (guide: "Ajouter un gestionnaire").
NIVEAUX = {
    "consultation": "Consultation",
    "creation": "Création",
    "validation": "Validation",
    "cloture": "Clôture",
}
RANG = {code: i for i, code in enumerate(NIVEAUX)}
EMPLOYEUR_PUBLIC = "employeur_public"
OPERATEUR = "operateur"


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


def est_agent_cdc(u: Utilisateur) -> bool:
    return u.role == AGENT_CDC


def _meme_organisme(acteur: Utilisateur, cible: Utilisateur) -> bool:
    return acteur.organisme is not None and _id(acteur.organisme) == _id(cible.organisme)


def _id(valeur) -> int | None:
    """A ForeignKey value may be an id or a loaded row."""
    return getattr(valeur, "id", valeur)


# --- Gérer les habilitations -------------------------------------------------------------


def peut_gerer_habilitations(u: Utilisateur) -> bool:
    return est_administrateur(u) and u.statut == ACTIF


def peut_gerer(acteur: Utilisateur, cible: Utilisateur) -> bool:
    """Edit coordinates, unit, level; suspend and reactivate."""
    if not peut_gerer_habilitations(acteur) or not _meme_organisme(acteur, cible) or acteur.id == cible.id:
        return False
    if acteur.role == PRINCIPAL:
        return cible.role in (DELEGUE, GESTIONNAIRE)
    return cible.role == GESTIONNAIRE  # a délégué manages plain gestionnaires only


def peut_accorder_delegation(acteur: Utilisateur) -> bool:
    """Only the principal administrator grants or withdraws "administrateur délégué"."""
    return acteur.role == PRINCIPAL and acteur.statut == ACTIF


def niveaux_accordables(acteur: Utilisateur, actuel: str | None = None) -> dict[str, str]:
    """The levels `acteur` may give: all for the principal, at most their own for a délégué
    (docs/regles.md), plus the level the gestionnaire already holds, which keeping grants nothing."""
    if acteur.role == PRINCIPAL:
        return dict(NIVEAUX)
    plafond = RANG.get(acteur.niveau, -1)
    return {code: libelle for code, libelle in NIVEAUX.items() if RANG[code] <= plafond or code == actuel}


def peut_gerer_unites(u: Utilisateur) -> bool:
    """Paramètres: only the principal creates, renames and deletes the organisation's units (a
    délégué may still add one from a gestionnaire's form, as the guide shows)."""
    return u.role == PRINCIPAL and u.statut == ACTIF


def peut_renouveler(acteur: Utilisateur, cible: Utilisateur) -> bool:
    """Guide: only the Caisse des Dépôts renews the principal's password; only the
    principal renews a délégué's; délégués renew plain gestionnaires'."""
    if acteur.statut != ACTIF or acteur.id == cible.id:
        return False
    if cible.role == PRINCIPAL:
        return acteur.role == AGENT_CDC
    if acteur.role == AGENT_CDC:
        return False
    return peut_gerer(acteur, cible)


# --- Revue des habilitations (issue 15) ------------------------------------------------------


def peut_revoir_habilitations(u: Utilisateur) -> bool:
    """« Revue des habilitations »: the principal administrator only, who answers for the
    organisation's rights (délégués' accounts are among those reviewed)."""
    return u.role == PRINCIPAL and u.statut == ACTIF


# --- Second factor (issue 16) ----------------------------------------------------------------


# Where a session opened by the password alone goes, whatever page it asks for (web.facteurs).
ETAPES = {"second_facteur": "/connexion/second-facteur", "enrolement": "/connexion/enrolement"}


def apres_connexion(u: Utilisateur, suite: str) -> str:
    """Where a sign-in leads: the CGU first when they are due (the page asked for follows them),
    else the page asked for before sign-in, else the home page."""
    if not cgu_a_jour(u):
        return avec_suite("/cgu", suite)
    return suite or "/"


def avec_suite(chemin: str, suite: str) -> str:
    """`chemin`, carrying the page asked for before sign-in to the step after it."""
    return chemin + (f"?{urlencode({'suite': suite})}" if suite else "")


def second_facteur_requis(u: Utilisateur, organisme: Organisme | None) -> bool:
    """Administrators and the Caisse des Dépôts' agents always; every gestionnaire of an
    organisation whose principal requires it (Paramètres)."""
    return u.role in (PRINCIPAL, DELEGUE, AGENT_CDC) or bool(organisme is not None and organisme.second_facteur_requis)


def peut_reinitialiser_facteurs(acteur: Utilisateur, cible: Utilisateur) -> bool:
    """Losing every factor goes through the same hierarchy as a password renewal; an agent of the
    Caisse des Dépôts is reset by another agent."""
    if cible.role == AGENT_CDC:
        return acteur.role == AGENT_CDC and acteur.statut == ACTIF and acteur.id != cible.id
    return peut_renouveler(acteur, cible)


def peut_exiger_second_facteur(u: Utilisateur) -> bool:
    """Paramètres: only the principal requires a second factor of all the gestionnaires."""
    return u.role == PRINCIPAL and u.statut == ACTIF


# --- Titulaires and dossiers ----------------------------------------------------------------


def a_le_niveau(u: Utilisateur, organisme: Organisme | None, niveau: str) -> bool:
    """Levels restrict only in `operateur` organisations; an operator's gestionnaire without
    a level may do nothing on titulaires."""
    if organisme is None or u.role == AGENT_CDC or u.statut != ACTIF:
        return False
    if organisme.type == EMPLOYEUR_PUBLIC:
        return True
    return u.niveau in RANG and RANG[u.niveau] >= RANG[niveau]


# --- Titulaires, dossiers, délégations (issue 5) ---------------------------------------------


def peut_dossier(u: Utilisateur, organisme: Organisme | None, action: str) -> bool:
    """May `u` do `action` (web.dossiers.transitions.ACTIONS) at all, by their level?"""
    from web.dossiers.transitions import ACTIONS

    return action in ACTIONS and a_le_niveau(u, organisme, ACTIONS[action].niveau)


def peut_transition(u: Utilisateur, organisme: Organisme | None, dossier, action: str) -> bool:
    """`action` on this dossier: the level, the dossier's organisation, and its status."""
    from web.dossiers.transitions import possible

    return (
        peut_dossier(u, organisme, action)
        and organisme is not None
        and _id(dossier.organisme) == organisme.id
        and possible(dossier.statut, action)
    )


# --- Guards ---------------------------------------------------------------------------------
# Coroutines, though they never wait: Litestar runs a plain function guard in a worker thread
# (sync_to_thread), a thread hop per request that cost 8 % of the home page (bench/RESULTS.md,
# « Où passe le temps »).


def _session(connection: ASGIConnection) -> None:
    if connection.state.get("utilisateur") is None:
        raise NonConnecte


def _connexion(connection: ASGIConnection) -> None:
    _session(connection)
    if not cgu_a_jour(connection.state["utilisateur"]):
        raise CguAValider


async def exiger_session(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard for the CGU screen itself: signed in is enough."""
    _session(connection)


async def exiger_connexion(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard for every page of the portal: signed in and the current CGU accepted."""
    _connexion(connection)


def _garde(refuse: Callable[[ASGIConnection], bool], doc: str):
    """A guard: signed in with the CGU accepted, then 403 when `refuse` says so."""

    async def garde(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        _connexion(connection)
        if refuse(connection):
            raise Interdit

    garde.__doc__ = doc
    return garde


exiger_administrateur = _garde(lambda c: not peut_gerer_habilitations(c.state["utilisateur"]), "Gérer les habilitations, Paramètres.")
exiger_organisme = _garde(
    lambda c: c.state.get("organisme") is None, "Pages of an organisation's space: the Caisse des Dépôts' agents never reach them."
)
exiger_principal = _garde(lambda c: not peut_revoir_habilitations(c.state["utilisateur"]), "Revue des habilitations.")
exiger_agent_cdc = _garde(lambda c: not est_agent_cdc(c.state["utilisateur"]), "The Caisse des Dépôts' space.")
