"""The dossier de formation's state machine (docs/regles.md, « Titulaires et dossiers »). Pure: no I/O.

Each action needs a habilitation level (cumulative, guide "Ajouter un gestionnaire") and,
for a dossier that exists, a starting status. Clôturé and rejeté are final.
"""

from __future__ import annotations

from dataclasses import dataclass

ELABORATION = "en_cours_elaboration"
VALIDE = "valide"
REJETE = "rejete"
CLOTURE = "cloture"

LIBELLES_STATUT = {
    ELABORATION: "En cours d'élaboration",
    VALIDE: "Validé",
    REJETE: "Rejeté",
    CLOTURE: "Clôturé",
}
FINAUX = frozenset({REJETE, CLOTURE})


@dataclass(frozen=True)
class Action:
    niveau: str  # the lowest habilitation level that allows it
    de: str | None  # required status; None: no dossier yet (or no dossier involved)
    vers: str | None  # resulting status; None: the dossier is deleted
    motif_requis: bool = False
    libelle: str = ""


ACTIONS: dict[str, Action] = {
    # Consultation: the titulaire, the hours account, the dossiers; contact details.
    "consulter": Action("consultation", None, None, libelle="Consulter"),
    "modifier_coordonnees": Action("consultation", None, None, libelle="Modifier les coordonnées"),
    # Création: a dossier "en cours d'élaboration".
    "creer": Action("creation", None, ELABORATION, libelle="Créer un dossier"),
    "modifier": Action("creation", ELABORATION, ELABORATION, libelle="Modifier"),
    "supprimer": Action("creation", ELABORATION, None, libelle="Supprimer"),
    # Validation.
    "valider": Action("validation", ELABORATION, VALIDE, libelle="Valider"),
    "rejeter": Action("validation", ELABORATION, REJETE, motif_requis=True, libelle="Rejeter"),
    "renvoyer": Action("validation", VALIDE, ELABORATION, motif_requis=True, libelle="Renvoyer en élaboration"),
    # Clôture.
    "cloturer": Action("cloture", VALIDE, CLOTURE, libelle="Clôturer"),
    "cloture_simplifiee": Action("cloture", None, CLOTURE, libelle="Clôture simplifiée"),
}
# Actions on an existing dossier, in the order the dossier page offers them.
SUR_DOSSIER = ("modifier", "supprimer", "valider", "rejeter", "renvoyer", "cloturer")


class TransitionRefusee(Exception):
    """The action does not apply to this dossier (its status, a missing reason, the balance)."""


class SoldeInsuffisant(TransitionRefusee):
    def __init__(self, solde: int, heures: int) -> None:
        self.solde, self.heures = solde, heures
        super().__init__(f"Le compte d'heures ne permet pas de débiter {heures} h : le solde disponible est de {solde} h.")


def niveau_requis(action: str) -> str:
    return ACTIONS[action].niveau


def possible(statut: str | None, action: str) -> bool:
    """May `action` apply to a dossier in `statut` (None: no dossier yet)?"""
    a = ACTIONS.get(action)
    if a is None:
        return False
    if statut is None:
        return a.de is None
    return a.de == statut


def refus(statut: str | None, action: str) -> str | None:
    """Why `action` cannot apply to a dossier in `statut`, in French; None when it can."""
    if action not in ACTIONS:
        return "Action inconnue."
    if possible(statut, action):
        return None
    if statut in FINAUX:
        return f"Ce dossier est {LIBELLES_STATUT[statut].lower()} : il ne peut plus changer."
    return f"« {ACTIONS[action].libelle} » n'est pas possible pour un dossier {LIBELLES_STATUT.get(statut or '', 'inexistant').lower()}."


def appliquer(statut: str | None, action: str, *, motif: str = "") -> str | None:
    """The status after `action`, or TransitionRefusee with the French reason."""
    if (raison := refus(statut, action)) is not None:
        raise TransitionRefusee(raison)
    a = ACTIONS[action]
    if a.motif_requis and not motif.strip():
        raise TransitionRefusee("Saisissez le motif.")
    return a.vers


def verifier_debit(solde: int, heures: int) -> None:
    """A closure debits `heures`; the balance never goes below zero."""
    if heures > solde:
        raise SoldeInsuffisant(solde, heures)
