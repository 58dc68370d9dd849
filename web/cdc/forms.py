"""The Caisse des Dépôts' forms (registering an organisation: web.organismes.forms)."""

from __future__ import annotations

from web.formulaires import Champ, Choix, Courriel, Formulaire, Reference
from web.tables import CIVILITES


class FormAgent(Formulaire):
    """An agent of the Caisse des Dépôts (`portail cdc creer-agent`)."""

    civilite = Choix("Civilité", CIVILITES)
    prenom = Champ("Prénom")
    nom = Champ("Nom")
    courriel = Courriel()


class FormTransfert(Formulaire):
    nouveau = Reference("Nouvel administrateur principal")
