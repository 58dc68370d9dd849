"""Registering an organisation and its principal administrator: the Caisse des Dépôts' form and
`portail organisme inscrire` read the same declaration."""

from __future__ import annotations

from dataclasses import dataclass

from web.formulaires import Champ, Choix, Courriel, Formulaire, Siret, Telephone
from web.tables import CIVILITES

TYPES = {"employeur_public": "Employeur public", "operateur": "Opérateur de l'emploi et de la formation"}


@dataclass(frozen=True)
class Inscription:
    siret: str
    raison_sociale: str
    type: str
    civilite: str
    prenom: str
    nom: str
    courriel: str
    telephone: str


class FormInscription(Formulaire):
    siret = Siret("SIRET", aide="14 chiffres", en_ligne=True)
    raison_sociale = Champ("Raison sociale", max_len=200, en_ligne=True)
    type = Choix("Type d'organisme", TYPES, en_ligne=True)
    civilite = Choix("Civilité", CIVILITES, en_ligne=True)
    prenom = Champ("Prénom", en_ligne=True)
    nom = Champ("Nom", en_ligne=True)
    courriel = Courriel(aide="Le mot de passe temporaire y sera envoyé.", en_ligne=True)
    telephone = Telephone("Téléphone", requis=True, en_ligne=True)

    def inscription(self) -> Inscription:
        """What is registered (names upper-case), once the form holds no error."""
        assert not self.erreurs
        return Inscription(
            self.siret, self.raison_sociale.upper(), self.type, self.civilite, self.prenom, self.nom.upper(), self.courriel, self.telephone
        )
