"""« Mot de passe oublié »: the identifiant only."""

from __future__ import annotations

from web.comptes.identifiant import normaliser_identifiant
from web.connexion.forms import Identifiant
from web.formulaires import Formulaire


class FormOubli(Formulaire):
    identifiant = Identifiant()

    @property
    def cle(self) -> str:
        return normaliser_identifiant(self.identifiant)
