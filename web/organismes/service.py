"""Registering an organisation and its principal administrator.

The `portail organisme inscrire` command and the Caisse des Dépôts' form both read
`FormInscription` (web.organismes.forms) then call `inscrire`: one copy of the rules.
"""

from __future__ import annotations

from web import file_d_envoi, formulaires
from web.acteur import Acteur
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.journal import journaliser
from web.organismes.forms import Inscription
from web.settings import Settings
from web.tables import PRINCIPAL, Organisme, Utilisateur


class SiretDejaInscrit(Exception):
    pass


async def inscrire(settings: Settings, d: Inscription, acteur: Acteur = Acteur()) -> Utilisateur:  # noqa: B008 - frozen
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
            cree_par=acteur.id,
        )
        await ouvrir_compte(settings, admin)
        await journaliser("organisme_inscrit", acteur, cible=admin.id, organisme=org.id, detail=f"{d.raison_sociale} - {d.siret}")
    file_d_envoi.reveiller()
    return admin
