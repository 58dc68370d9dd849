"""Dossiers de formation: the writes, each in one transaction with its history and journal line.

Every status change is a conditional UPDATE (`WHERE statut = <expected>`): of two gestionnaires
acting at the same moment only one finds the dossier in the expected status; the other changes
nothing. A closure also inserts the debit, unique per dossier (Mouvement.dossier)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from web.db import ecriture, est_doublon, verrouiller
from web.dossiers import transitions as tr
from web.journal import journaliser
from web.tables import Dossier, HistoriqueDossier, Mouvement, Titulaire, cle_etrangere
from web.temps import maintenant
from web.titulaires import service as titulaires

if TYPE_CHECKING:
    from web.acteur import Acteur
    from web.dossiers.forms import FormClotureSimplifiee, FormDossier

JOURNAL = {
    "creer": "dossier_cree",
    "modifier": "dossier_modifie",
    "supprimer": "dossier_supprime",
    "valider": "dossier_valide",
    "rejeter": "dossier_rejete",
    "renvoyer": "dossier_renvoye",
    "cloturer": "dossier_cloture",
    "cloture_simplifiee": "dossier_cloture",
}
async def _historique(dossier_id: int, de: str, vers: str, par: int, motif: str = "") -> None:
    await HistoriqueDossier.insert(HistoriqueDossier(dossier=dossier_id, de=de, vers=vers, par=par, le=maintenant(), motif=motif))


async def _journal(action: str, acteur: Acteur, dossier_id: int, titulaire_id: int, detail: str = "") -> None:
    texte = f"Dossier n° {dossier_id} du titulaire n° {titulaire_id}" + (f" : {detail}" if detail else "")
    await journaliser(JOURNAL[action], acteur, detail=texte)


async def dossier_de(organisme_id: int, dossier_id: int) -> Dossier | None:
    return await Dossier.objects().where((Dossier.id == dossier_id) & (Dossier.organisme == organisme_id)).first()


async def historique(dossier_id: int) -> list[dict]:
    return (
        await HistoriqueDossier.select(
            HistoriqueDossier.all_columns(),
            HistoriqueDossier.par.prenom.as_alias("par_prenom"),
            HistoriqueDossier.par.nom.as_alias("par_nom"),
            HistoriqueDossier.par.identifiant.as_alias("par_identifiant"),
        )
        .where(HistoriqueDossier.dossier == dossier_id)
        .order_by(HistoriqueDossier.id)
    )


async def creer(acteur: Acteur, titulaire_id: int, f: FormDossier) -> Dossier:
    now = maintenant()
    async with ecriture():
        d = Dossier(
            titulaire=titulaire_id, organisme=acteur.organisme, intitule=f.intitule, organisme_formation=f.organisme_formation,
            date_debut=f.date_debut, date_fin=f.date_fin, heures_prevues=f.heures_prevues, statut=tr.ELABORATION, cree_par=acteur.id,
            cree_le=now, modifie_le=now,
        )  # fmt: skip
        await d.save()
        await _historique(d.id, "", tr.ELABORATION, acteur.id)
        await _journal("creer", acteur, d.id, titulaire_id, f.intitule)
    return d


async def modifier(acteur: Acteur, d: Dossier, f: FormDossier) -> None:
    async with ecriture():
        fait = (
            await Dossier.update(
                {
                    Dossier.intitule: f.intitule,
                    Dossier.organisme_formation: f.organisme_formation,
                    Dossier.date_debut: f.date_debut,
                    Dossier.date_fin: f.date_fin,
                    Dossier.heures_prevues: f.heures_prevues,
                    Dossier.modifie_le: maintenant(),
                }  # fmt: skip
            )
            .where((Dossier.id == d.id) & (Dossier.statut == tr.ELABORATION))
            .returning(Dossier.id)
        )
        if not fait:
            raise tr.TransitionRefusee("Ce dossier n'est plus en cours d'élaboration : il ne peut plus être modifié.")
        await _journal("modifier", acteur, d.id, cle_etrangere(d.titulaire), f.intitule)


async def supprimer(acteur: Acteur, d: Dossier) -> None:
    async with ecriture():
        # Only a draft goes: the condition is checked by the same statement that deletes.
        fait = await Dossier.select(Dossier.id).where((Dossier.id == d.id) & (Dossier.statut == tr.ELABORATION))
        if not fait:
            raise tr.TransitionRefusee("Ce dossier n'est plus en cours d'élaboration : il ne peut pas être supprimé.")
        await HistoriqueDossier.delete().where(HistoriqueDossier.dossier == d.id)
        supprime = await Dossier.delete().where((Dossier.id == d.id) & (Dossier.statut == tr.ELABORATION)).returning(Dossier.id)
        if not supprime:
            raise tr.TransitionRefusee("Ce dossier n'est plus en cours d'élaboration : il ne peut pas être supprimé.")
        await _journal("supprimer", acteur, d.id, cle_etrangere(d.titulaire), d.intitule)


async def changer_statut(acteur: Acteur, d: Dossier, action: str, *, motif: str = "") -> str:
    """valider, rejeter, renvoyer. Returns the new status or raises TransitionRefusee."""
    a = tr.ACTIONS[action]
    assert action in ("valider", "rejeter", "renvoyer")
    vers = tr.appliquer(d.statut, action, motif=motif)
    async with ecriture():
        fait = (
            await Dossier.update({Dossier.statut: vers, Dossier.motif: motif, Dossier.modifie_le: maintenant()})
            .where((Dossier.id == d.id) & (Dossier.statut == a.de))
            .returning(Dossier.id)
        )
        if not fait:
            raise tr.TransitionRefusee("Ce dossier vient de changer de statut : rechargez la page.")
        await _historique(d.id, a.de, vers, acteur.id, motif)
        await _journal(action, acteur, d.id, cle_etrangere(d.titulaire), motif)
    return vers


async def _verrouiller_compte(titulaire_id: int) -> None:
    """Serialise debits of one titulaire so that the balance read below stays true until commit.
    Taken first in the transaction: a dossier inserted before it holds a key-share lock on the
    titulaire, and two closures each holding one and waiting for the other's update lock
    deadlocked on PostgreSQL."""
    await verrouiller(Titulaire, titulaire_id)


async def _debiter(titulaire_id: int, dossier_id: int, heures: int, intitule: str) -> None:
    """Call after _verrouiller_compte, in the same transaction."""
    tr.verifier_debit(await titulaires.solde(titulaire_id), heures)
    await Mouvement.insert(
        Mouvement(
            titulaire=titulaire_id,
            date=dt.date.today(),
            heures=-heures,
            type="cloture",
            libelle=f"Clôture : {intitule}"[:200],
            dossier=dossier_id,
        )
    )


async def cloturer(acteur: Acteur, d: Dossier, heures: int) -> None:
    """Validé -> clôturé, debiting `heures`; exactly once even when two people close together."""
    tr.appliquer(d.statut, "cloturer")
    try:
        async with ecriture():
            await _verrouiller_compte(cle_etrangere(d.titulaire))
            fait = (
                await Dossier.update({Dossier.statut: tr.CLOTURE, Dossier.heures_realisees: heures, Dossier.modifie_le: maintenant()})
                .where((Dossier.id == d.id) & (Dossier.statut == tr.VALIDE))
                .returning(Dossier.id)
            )
            if not fait:
                raise tr.TransitionRefusee("Ce dossier vient d'être clôturé ou a changé de statut : rechargez la page.")
            await _debiter(cle_etrangere(d.titulaire), d.id, heures, d.intitule)
            await _historique(d.id, tr.VALIDE, tr.CLOTURE, acteur.id, f"{heures} h réalisées")
            await _journal("cloturer", acteur, d.id, cle_etrangere(d.titulaire), f"{heures} h débitées")
    except tr.TransitionRefusee:
        raise
    except Exception as exc:
        if est_doublon(exc):  # the other closure's debit won: nothing of ours was kept
            raise tr.TransitionRefusee("Ce dossier vient d'être clôturé : rechargez la page.") from exc
        raise


async def cloture_simplifiee(acteur: Acteur, titulaire_id: int, f: FormClotureSimplifiee) -> Dossier:
    """A training already done: recorded and closed in one step, its hours debited."""
    now = maintenant()
    async with ecriture():
        await _verrouiller_compte(titulaire_id)
        d = Dossier(
            titulaire=titulaire_id, organisme=acteur.organisme, intitule=f.intitule, organisme_formation=f.organisme_formation,
            date_debut=f.date_debut, date_fin=f.date_fin, heures_prevues=f.heures_realisees, heures_realisees=f.heures_realisees,
            statut=tr.CLOTURE, cree_par=acteur.id, cree_le=now, modifie_le=now,
        )  # fmt: skip
        await d.save()
        h = f.heures_realisees
        await _debiter(titulaire_id, d.id, h, f.intitule)
        await _historique(d.id, "", tr.CLOTURE, acteur.id, f"Clôture simplifiée : {h} h réalisées")
        await _journal("cloture_simplifiee", acteur, d.id, titulaire_id, f"clôture simplifiée, {h} h débitées")
    return d
