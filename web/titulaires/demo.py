"""Demo data of issue 5 (called by `portail demo`): an `operateur` organisation with its
principal administrator, titulaires with valid NIRs employed by each demo organisation,
yearly credits and dossiers in every status. Idempotent: keyed by SIRET and NIR."""

from __future__ import annotations

import datetime as dt

from web import courriels
from web.db import ecriture
from web.dossiers import transitions as tr
from web.organismes.forms import FormInscription
from web.organismes.service import inscrire
from web.settings import Settings
from web.tables import PRINCIPAL, Dossier, HistoriqueDossier, Mouvement, Organisme, Utilisateur
from web.temps import maintenant
from web.titulaires import service
from web.titulaires.donnees_demo import OPERATEUR, OPERATEUR_SIRET, TITULAIRES
from web.titulaires.nir import avec_cle

# (intitulé, statut, heures prévues, heures réalisées, motif)
DOSSIERS = [
    ("Bureautique avancée", tr.ELABORATION, 21, None, ""),
    ("Anglais professionnel", tr.VALIDE, 30, None, ""),
    ("Management d'équipe", tr.REJETE, 35, None, "Formation sans lien avec un projet professionnel."),
    ("Comptabilité publique", tr.CLOTURE, 14, 14, ""),
]


async def organisme_inscrit(settings: Settings, donnees: dict[str, str]) -> Utilisateur:
    """The principal administrator of the organisation with this SIRET, registered first (and its
    mail delivered) when it is not: what `portail demo` runs again without effect."""
    org = await Organisme.objects().where(Organisme.siret == donnees["siret"]).first()
    if org is None:
        form = FormInscription.lire(donnees)
        assert not form.erreurs, form.erreurs
        admin = await inscrire(settings, form.inscription())
        await courriels.livrer(settings)
        return admin
    return await Utilisateur.objects().where((Utilisateur.organisme == org.id) & (Utilisateur.role == PRINCIPAL)).first()


async def _operateur(settings: Settings) -> Utilisateur:
    admin = await organisme_inscrit(settings, OPERATEUR)
    if admin.niveau is None:
        # Levels are enforced for operators: the demo administrator may try every action.
        await Utilisateur.update({Utilisateur.niveau: "cloture"}).where(Utilisateur.id == admin.id)
    return admin


async def _peupler(org: Organisme, admin_id: int) -> None:
    annee = dt.date.today().year
    for i, (debut, nom, usage, prenom, naissance) in enumerate(TITULAIRES[org.type]):
        nir = avec_cle(debut)
        async with ecriture():
            t = await service.titulaire_par_nir(nir)
            if t is not None and await Dossier.exists().where(Dossier.titulaire == t.id):
                continue
            if t is None:
                t = await service.creer_titulaire(nir, nom, prenom, naissance, nom_usage=usage)
            await service.employer(t.id, org.id)
            total = 0
            for a in range(annee - 6, annee):
                credit = min(service.CREDIT_ANNUEL, service.PLAFOND - total)
                if credit > 0:
                    await service.crediter(t.id, a, credit)
                    total += credit
            if i > 0:
                continue  # the first titulaire holds the dossiers, the other a full account
            now = maintenant()
            for intitule, statut, prevues, realisees, motif in DOSSIERS:
                d = Dossier(
                    titulaire=t.id, organisme=org.id, intitule=intitule, organisme_formation="Centre de formation démo",
                    date_debut=dt.date(annee - 1, 3, 1), date_fin=dt.date(annee - 1, 3, 31), heures_prevues=prevues,
                    heures_realisees=realisees, statut=statut, motif=motif, cree_par=admin_id, cree_le=now, modifie_le=now,
                )  # fmt: skip
                await d.save()
                await HistoriqueDossier.insert(HistoriqueDossier(dossier=d.id, de="", vers=tr.ELABORATION, par=admin_id, le=now))
                if statut != tr.ELABORATION:
                    de = tr.VALIDE if statut == tr.CLOTURE else tr.ELABORATION
                    if statut == tr.CLOTURE:
                        await HistoriqueDossier.insert(
                            HistoriqueDossier(dossier=d.id, de=tr.ELABORATION, vers=tr.VALIDE, par=admin_id, le=now)
                        )
                    await HistoriqueDossier.insert(HistoriqueDossier(dossier=d.id, de=de, vers=statut, par=admin_id, le=now, motif=motif))
                if statut == tr.CLOTURE:
                    debit = Mouvement(
                        titulaire=t.id, date=d.date_fin, heures=-realisees, type="cloture", libelle=f"Clôture : {intitule}", dossier=d.id
                    )
                    await Mouvement.insert(debit)


async def creer_demo(settings: Settings, siret_employeur: str) -> str:
    """Returns the operator's principal identifiant."""
    admin = await _operateur(settings)
    for siret in (siret_employeur, OPERATEUR_SIRET):
        org = await Organisme.objects().where(Organisme.siret == siret).first()
        principal = await Utilisateur.objects().where((Utilisateur.organisme == org.id) & (Utilisateur.role == PRINCIPAL)).first()
        await _peupler(org, principal.id)
    return admin.identifiant
