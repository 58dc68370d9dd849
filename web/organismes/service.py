"""Registering an organisation and its principal administrator (SPEC §1, "inscription").

The `portail organisme inscrire` command and, later, the Caisse des Dépôts form both
call `valider` then `inscrire`: one copy of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from web import courriels, formulaires
from web.comptes.service import CIVILITES, ouvrir_compte
from web.db import ecriture
from web.formulaires import Erreurs
from web.journal import journaliser
from web.settings import Settings
from web.tables import PRINCIPAL, Organisme, Utilisateur

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


def valider(donnees: dict[str, str]) -> tuple[Inscription | None, Erreurs]:
    e = Erreurs()
    siret = formulaires.siret(donnees, "siret", e)
    raison = formulaires.texte(donnees, "raison_sociale", "Raison sociale", e, max_len=200)
    type_ = formulaires.choix(donnees, "type", "Type d'organisme", TYPES, e)
    civilite = formulaires.choix(donnees, "civilite", "Civilité", CIVILITES, e)
    prenom = formulaires.texte(donnees, "prenom", "Prénom", e)
    nom = formulaires.texte(donnees, "nom", "Nom", e)
    courriel = formulaires.courriel(donnees, "courriel", "Courriel", e)
    telephone = formulaires.telephone(donnees, "telephone", "Téléphone", e, requis=True)
    if e:
        return None, e
    return Inscription(siret, raison.upper(), type_, civilite, prenom, nom.upper(), courriel, telephone), e


class SiretDejaInscrit(Exception):
    pass


async def inscrire(settings: Settings, d: Inscription, *, acteur: int | None = None, adresse: str = "") -> Utilisateur:
    """Creates the organisation, its principal administrator, the journal line and the mail,
    all in one transaction. Raises SiretDejaInscrit."""
    async with ecriture():
        if await Organisme.exists().where(Organisme.siret == d.siret):
            raise SiretDejaInscrit
        org = Organisme(siret=d.siret, raison_sociale=d.raison_sociale, type=d.type)
        await org.save()
        portable = formulaires.est_portable(d.telephone)
        admin = Utilisateur(
            organisme=org.id,
            role=PRINCIPAL,
            civilite=d.civilite,
            prenom=d.prenom,
            nom=d.nom,
            courriel=d.courriel,
            telephone_fixe="" if portable else d.telephone,
            telephone_portable=d.telephone if portable else "",
            cree_par=acteur,
        )
        await ouvrir_compte(settings, admin)
        await journaliser(
            "organisme_inscrit",
            acteur=acteur,
            cible=admin.id,
            organisme=org.id,
            adresse=adresse,
            detail=f"{d.raison_sociale} - {d.siret}",
        )
    courriels.reveiller()
    return admin
