"""The demo data's one source (web.titulaires.demo creates it): the organisations, their titulaires'
NIRs and names, and what a first run shows of them (`portail demo` prints it, Aide lists it in
development). Imports nothing that writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from web.droits import NIVEAUX
from web.tables import PRINCIPAL, Organisme, Utilisateur
from web.titulaires.nir import avec_cle, formater

OPERATEUR_SIRET = "73282932000074"
# (NIR without key, nom de naissance, nom d'usage, prénom, date de naissance)
TITULAIRES = {
    "employeur_public": [
        ("2850175123456", "Durand", "Lefèvre", "Élodie", dt.date(1985, 1, 14)),
        ("1790669123457", "Moreau", "", "Hervé", dt.date(1979, 6, 3)),
    ],
    "operateur": [
        ("2910313123458", "Girard", "", "Inès", dt.date(1991, 10, 22)),
        ("1880744123459", "Bonnet", "", "Loïc", dt.date(1988, 8, 9)),
    ],
}
# The demo organisations, as registered by the Caisse des Dépôts' form.
EMPLOYEUR = {
    "siret": "21750001600019", "raison_sociale": "EMPLOYEUR PUBLIC", "type": "employeur_public", "civilite": "Mme",
    "prenom": "Anne", "nom": "Démo", "courriel": "administrateur.principal@employeur-public.example", "telephone": "01 23 45 67 89",
}  # fmt: skip
OPERATEUR = {
    "siret": OPERATEUR_SIRET, "raison_sociale": "OPÉRATEUR EMPLOI FORMATION", "type": "operateur", "civilite": "M.",
    "prenom": "Paul", "nom": "Démo", "courriel": "administrateur.principal@operateur.example", "telephone": "01 23 45 67 80",
}  # fmt: skip


# --- What a first run shows: `portail demo` prints it, Aide lists it in development -------------

LIBELLES_TYPE = {"employeur_public": "employeur public", "operateur": "opérateur"}


@dataclass(frozen=True)
class TitulaireDemo:
    nir: str  # as printed on the carte Vitale
    nom: str  # nom de naissance, what the search asks with the NIR
    nom_usage: str
    prenom: str


@dataclass(frozen=True)
class OrganismeDemo:
    raison_sociale: str
    type: str  # as read: "employeur public", "opérateur"
    siret: str
    identifiant: str  # its principal administrator's
    niveau: str  # the principal's level, when levels apply
    titulaires: list[TitulaireDemo]


async def apercu() -> list[OrganismeDemo]:
    """The demo organisations present in the database, their principal's identifiant and the
    NIR + nom pairs to search, from the lists above (the one source)."""
    sortie = []
    for donnees in (EMPLOYEUR, OPERATEUR):
        org = await Organisme.objects().where(Organisme.siret == donnees["siret"]).first()
        if org is None:
            continue
        admin = await Utilisateur.objects().where((Utilisateur.organisme == org.id) & (Utilisateur.role == PRINCIPAL)).first()
        titulaires = [
            TitulaireDemo(formater(avec_cle(debut)), nom.upper(), usage.upper(), prenom)
            for debut, nom, usage, prenom, _ in TITULAIRES[org.type]
        ]
        niveau = NIVEAUX.get(admin.niveau or "", "") if org.type == "operateur" else ""
        sortie.append(OrganismeDemo(org.raison_sociale, LIBELLES_TYPE[org.type], org.siret, admin.identifiant, niveau, titulaires))
    return sortie
