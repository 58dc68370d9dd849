"""The one field of a review's « Changer le niveau »."""

from __future__ import annotations

from web.droits import NIVEAUX
from web.formulaires import Choix, Formulaire

AUCUN = "aucun"


class FormNiveau(Formulaire):
    niveau = Choix("Niveau d'habilitation", {AUCUN: "Aucun", **NIVEAUX}, manquant="Choisissez un des niveaux d'habilitation proposés.")

    @property
    def valeur(self) -> str | None:
        """The column's value: no level is NULL."""
        return None if self.niveau in ("", AUCUN) else self.niveau
