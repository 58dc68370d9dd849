"""Dossiers de formation: the writes, each in one transaction with its history and journal line.

Every status change is a conditional UPDATE (`WHERE statut = <expected>`): of two gestionnaires
acting at the same moment only one finds the dossier in the expected status; the other changes
nothing. A closure also inserts the debit, unique per dossier (Mouvement.dossier)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from web import formulaires
from web.db import ecriture, est_doublon
from web.dossiers import transitions as tr
from web.entrees import entier
from web.formulaires import Erreurs
from web.journal import journaliser
from web.tables import Dossier, HistoriqueDossier, Mouvement, Titulaire, Utilisateur
from web.temps import maintenant
from web.titulaires import service as titulaires

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
HEURES_MAX = 10_000

LIBELLES = {
    "intitule": "Intitulé de la formation",
    "organisme_formation": "Organisme de formation",
    "date_debut": "Date de début",
    "date_fin": "Date de fin",
    "heures_prevues": "Heures prévues",
    "heures_realisees": "Heures réalisées",
    "motif": "Motif",
}


def lire_date(d: dict[str, str], nom: str, e: Erreurs) -> dt.date | None:
    valeur = str(d.get(nom, "")).strip()
    if not valeur:
        e[nom] = f"Saisissez le champ « {LIBELLES[nom]} »."
        return None
    try:
        return dt.date.fromisoformat(valeur[:10]) if len(valeur) == 10 else dt.datetime.strptime(valeur, "%d/%m/%Y").date()
    except ValueError:
        e[nom] = f"« {LIBELLES[nom]} » n'est pas une date valide (exemple : 2025-03-31)."
        return None


def lire_heures(d: dict[str, str], nom: str, e: Erreurs, *, minimum: int = 1) -> int | None:
    valeur = str(d.get(nom, "")).strip()
    if not valeur:
        e[nom] = f"Saisissez le champ « {LIBELLES[nom]} »."
        return None
    n = entier(valeur, maximum=10**9)
    if n is None:
        e[nom] = f"« {LIBELLES[nom]} » doit être un nombre entier d'heures."
        return None
    if n < minimum or n > HEURES_MAX:
        e[nom] = f"« {LIBELLES[nom]} » doit être compris entre {minimum} et {HEURES_MAX} heures."
        return None
    return n


def lire_motif(d: dict[str, str], e: Erreurs) -> str:
    motif = " ".join(str(d.get("motif", "")).split())
    if not motif:
        e["motif"] = "Saisissez le motif."
    elif len(motif) > 1000:
        e["motif"] = "Le motif doit compter 1000 caractères au maximum."
    return motif


@dataclass
class FormDossier:
    intitule: str = ""
    organisme_formation: str = ""
    date_debut: str = ""
    date_fin: str = ""
    heures_prevues: str = ""
    heures_realisees: str = ""
    debut: dt.date | None = None
    fin: dt.date | None = None
    prevues: int | None = None
    realisees: int | None = None
    erreurs: Erreurs = field(default_factory=Erreurs)

    @classmethod
    def de(cls, d: Dossier) -> FormDossier:
        return cls(
            d.intitule, d.organisme_formation, d.date_debut.isoformat(), d.date_fin.isoformat(), str(d.heures_prevues),
            debut=d.date_debut, fin=d.date_fin, prevues=d.heures_prevues,
        )  # fmt: skip

    @classmethod
    def lire(cls, d: dict[str, str], *, realisees: bool = False) -> FormDossier:
        e = Erreurs()
        f = cls(
            intitule=formulaires.texte(d, "intitule", LIBELLES["intitule"], e, max_len=200),
            organisme_formation=formulaires.texte(d, "organisme_formation", LIBELLES["organisme_formation"], e, max_len=200),
            date_debut=str(d.get("date_debut", ""))[:20],
            date_fin=str(d.get("date_fin", ""))[:20],
            heures_prevues=str(d.get("heures_prevues", ""))[:10],
            heures_realisees=str(d.get("heures_realisees", ""))[:10],
            erreurs=e,
        )
        f.debut = lire_date(d, "date_debut", e)
        f.fin = lire_date(d, "date_fin", e)
        if f.debut and f.fin and f.fin < f.debut:
            e["date_fin"] = "La date de fin doit être postérieure ou égale à la date de début."
        if not realisees:
            f.prevues = lire_heures(d, "heures_prevues", e)
        else:
            f.realisees = lire_heures(d, "heures_realisees", e)
            f.prevues = f.realisees
            if f.fin and f.fin > dt.date.today():
                e["date_fin"] = "Une formation déjà réalisée ne peut pas se terminer après aujourd'hui."
        return f


async def _historique(dossier_id: int, de: str, vers: str, par: int, motif: str = "") -> None:
    await HistoriqueDossier.insert(HistoriqueDossier(dossier=dossier_id, de=de, vers=vers, par=par, le=maintenant(), motif=motif))


async def _journal(action: str, moi: Utilisateur, dossier_id: int, titulaire_id: int, adresse: str, detail: str = "") -> None:
    texte = f"Dossier n° {dossier_id} du titulaire n° {titulaire_id}" + (f" : {detail}" if detail else "")
    await journaliser(JOURNAL[action], acteur=moi.id, organisme=moi.organisme, adresse=adresse, detail=texte)


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


async def creer(moi: Utilisateur, titulaire_id: int, f: FormDossier, adresse: str = "") -> Dossier:
    now = maintenant()
    async with ecriture():
        d = Dossier(
            titulaire=titulaire_id, organisme=moi.organisme, intitule=f.intitule, organisme_formation=f.organisme_formation,
            date_debut=f.debut, date_fin=f.fin, heures_prevues=f.prevues, statut=tr.ELABORATION, cree_par=moi.id,
            cree_le=now, modifie_le=now,
        )  # fmt: skip
        await d.save()
        await _historique(d.id, "", tr.ELABORATION, moi.id)
        await _journal("creer", moi, d.id, titulaire_id, adresse, f.intitule)
    return d


async def modifier(moi: Utilisateur, d: Dossier, f: FormDossier, adresse: str = "") -> None:
    async with ecriture():
        fait = (
            await Dossier.update(
                {
                    Dossier.intitule: f.intitule,
                    Dossier.organisme_formation: f.organisme_formation,
                    Dossier.date_debut: f.debut,
                    Dossier.date_fin: f.fin,
                    Dossier.heures_prevues: f.prevues,
                    Dossier.modifie_le: maintenant(),
                }  # fmt: skip
            )
            .where((Dossier.id == d.id) & (Dossier.statut == tr.ELABORATION))
            .returning(Dossier.id)
        )
        if not fait:
            raise tr.TransitionRefusee("Ce dossier n'est plus en cours d'élaboration : il ne peut plus être modifié.")
        await _journal("modifier", moi, d.id, _fk(d.titulaire), adresse, f.intitule)


async def supprimer(moi: Utilisateur, d: Dossier, adresse: str = "") -> None:
    async with ecriture():
        # Only a draft goes: the condition is checked by the same statement that deletes.
        fait = await Dossier.select(Dossier.id).where((Dossier.id == d.id) & (Dossier.statut == tr.ELABORATION))
        if not fait:
            raise tr.TransitionRefusee("Ce dossier n'est plus en cours d'élaboration : il ne peut pas être supprimé.")
        await HistoriqueDossier.delete().where(HistoriqueDossier.dossier == d.id)
        supprime = await Dossier.delete().where((Dossier.id == d.id) & (Dossier.statut == tr.ELABORATION)).returning(Dossier.id)
        if not supprime:
            raise tr.TransitionRefusee("Ce dossier n'est plus en cours d'élaboration : il ne peut pas être supprimé.")
        await _journal("supprimer", moi, d.id, _fk(d.titulaire), adresse, d.intitule)


async def changer_statut(moi: Utilisateur, d: Dossier, action: str, *, motif: str = "", adresse: str = "") -> str:
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
        await _historique(d.id, a.de, vers, moi.id, motif)
        await _journal(action, moi, d.id, _fk(d.titulaire), adresse, motif)
    return vers


async def _verrouiller_compte(titulaire_id: int) -> None:
    """Serialise debits of one titulaire so that the balance read below stays true until commit
    (SQLite's BEGIN IMMEDIATE already serialises every writer). Taken first in the transaction:
    a dossier inserted before it holds a key-share lock on the titulaire, and two closures each
    holding one and waiting for the other's update lock deadlocked on PostgreSQL."""
    engine = Titulaire._meta.db
    if engine.engine_type == "postgres":
        await Titulaire.select(Titulaire.id).where(Titulaire.id == titulaire_id).lock_rows()


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


async def cloturer(moi: Utilisateur, d: Dossier, heures: int, adresse: str = "") -> None:
    """Validé -> clôturé, debiting `heures`; exactly once even when two people close together."""
    tr.appliquer(d.statut, "cloturer")
    try:
        async with ecriture():
            await _verrouiller_compte(_fk(d.titulaire))
            fait = (
                await Dossier.update({Dossier.statut: tr.CLOTURE, Dossier.heures_realisees: heures, Dossier.modifie_le: maintenant()})
                .where((Dossier.id == d.id) & (Dossier.statut == tr.VALIDE))
                .returning(Dossier.id)
            )
            if not fait:
                raise tr.TransitionRefusee("Ce dossier vient d'être clôturé ou a changé de statut : rechargez la page.")
            await _debiter(_fk(d.titulaire), d.id, heures, d.intitule)
            await _historique(d.id, tr.VALIDE, tr.CLOTURE, moi.id, f"{heures} h réalisées")
            await _journal("cloturer", moi, d.id, _fk(d.titulaire), adresse, f"{heures} h débitées")
    except tr.TransitionRefusee:
        raise
    except Exception as exc:
        if est_doublon(exc):  # the other closure's debit won: nothing of ours was kept
            raise tr.TransitionRefusee("Ce dossier vient d'être clôturé : rechargez la page.") from exc
        raise


async def cloture_simplifiee(moi: Utilisateur, titulaire_id: int, f: FormDossier, adresse: str = "") -> Dossier:
    """A training already done: recorded and closed in one step, its hours debited."""
    now = maintenant()
    async with ecriture():
        await _verrouiller_compte(titulaire_id)
        d = Dossier(
            titulaire=titulaire_id, organisme=moi.organisme, intitule=f.intitule, organisme_formation=f.organisme_formation,
            date_debut=f.debut, date_fin=f.fin, heures_prevues=f.realisees, heures_realisees=f.realisees,
            statut=tr.CLOTURE, cree_par=moi.id, cree_le=now, modifie_le=now,
        )  # fmt: skip
        await d.save()
        await _debiter(titulaire_id, d.id, f.realisees, f.intitule)
        await _historique(d.id, "", tr.CLOTURE, moi.id, f"Clôture simplifiée : {f.realisees} h réalisées")
        await _journal("cloture_simplifiee", moi, d.id, titulaire_id, adresse, f"clôture simplifiée, {f.realisees} h débitées")
    return d


def _fk(valeur) -> int:
    return getattr(valeur, "id", valeur)
