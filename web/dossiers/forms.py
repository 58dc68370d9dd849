"""Forms of the dossiers de formation: a draft (create, edit), Clôture simplifiée, and the
actions that ask something (a reason, the hours done)."""

from __future__ import annotations

import datetime as dt

from web.formulaires import Champ, Date, Formulaire, Heures
from web.titulaires.forms import Nir, nom_titulaire

NOMBRE = {"min": "1", "step": "1", "inputmode": "numeric"}


def _texte(libelle: str) -> Champ:
    return Champ(libelle, max_len=200, attrs={"maxlength": "200"})


INTITULE, ORGANISME_FORMATION = _texte("Intitulé de la formation"), _texte("Organisme de formation")
DEBUT, FIN = Date("Date de début"), Date("Date de fin")


def _verifier_dates(f) -> None:
    if f.date_debut and f.date_fin and f.date_fin < f.date_debut:
        f.erreurs["date_fin"] = "La date de fin doit être postérieure ou égale à la date de début."


class FormDossier(Formulaire):
    intitule, organisme_formation, date_debut, date_fin = INTITULE, ORGANISME_FORMATION, DEBUT, FIN
    heures_prevues = Heures("Heures prévues", attrs=NOMBRE)

    def verifier(self) -> None:
        _verifier_dates(self)


class FormClotureSimplifiee(Formulaire):
    """A training already done: the titulaire (NIR and name), then the dossier with its hours done."""

    nir = Nir()
    nom = nom_titulaire()
    intitule, organisme_formation, date_debut, date_fin = INTITULE, ORGANISME_FORMATION, DEBUT, FIN
    heures_realisees = Heures("Heures réalisées", attrs=NOMBRE)

    def verifier(self) -> None:
        _verifier_dates(self)
        if self.date_fin and self.date_fin > dt.date.today():
            self.erreurs["date_fin"] = "Une formation déjà réalisée ne peut pas se terminer après aujourd'hui."


class Motif(Champ):
    """Spaces folded; 1000 characters at most."""

    def lire(self, donnees, nom, erreurs):
        motif = " ".join(str(donnees.get(nom, "")).split())
        if not motif:
            erreurs[nom] = "Saisissez le motif."
        elif len(motif) > 1000:
            erreurs[nom] = "Le motif doit compter 1000 caractères au maximum."
        return motif


class FormMotif(Formulaire):
    """Rejeter, renvoyer en élaboration."""

    motif = Motif("Motif")


class FormCloture(Formulaire):
    heures_realisees = Heures("Heures réalisées")
