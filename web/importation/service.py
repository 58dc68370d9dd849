"""« Importer des gestionnaires »: a file checked line by line with the rules of « Ajouter un
gestionnaire » (the same form, FormGestionnaire, and the same checks against the organisation and
the importer), kept server-side for its importer (ImportGestionnaires, purged when expired), then
created line by line, each line whole or not at all, by the request for a short file or by the
background task of `portail serve` for a long one (claimed by a conditional UPDATE: one worker,
whatever the number of instances). The command line (`portail gestionnaires importer`) uses the
same check and the same creation.

`regles` is « Ajouter un gestionnaire »'s service (web.habilitations.service: verifier_references,
inserer, CourrielPris), handed in by the routes, the command and the app: importing it here would
make a chain of imports longer than the code's shape allows (tests/unit/test_structure.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from web import droits, file_d_envoi, panne
from web.acteur import Acteur
from web.comptes.service import COURRIEL_PRIS
from web.db import ecriture, est_doublon
from web.habilitations.forms import FormGestionnaire
from web.importation.forms import valeurs_du_formulaire
from web.journal import journaliser
from web.parametres import service as unites
from web.parametres.forms import FormUnite
from web.recherche import cle
from web.settings import Settings
from web.tables import ImportGestionnaires, LigneImport, Utilisateur
from web.temps import maintenant

log = logging.getLogger("portail.importation")

DUREE = timedelta(hours=24)  # a checked file is kept this long, then purged (web.menage)
SEUIL_ARRIERE_PLAN = 20  # more accepted lines than this: created by the background task
ABANDON = timedelta(minutes=2)  # a claimed import without progress for this long is taken over
VERIFIE, CONFIRME, EN_COURS, TERMINE = "verifie", "confirme", "en_cours", "termine"
STATUTS_LIGNE = ACCEPTE, REFUSE, PRESENT, CREE, ECHEC = "accepte", "refuse", "present", "cree", "echec"
DEJA_PRESENT = "Déjà présent : un gestionnaire actif de l'organisme a ce courriel."
ECHEC_LIGNE = "Le compte n'a pas pu être créé ; rien n'a été enregistré pour cette ligne."
PLUS_LE_DROIT = "Votre compte ne permet plus de créer des gestionnaires."
TROP_DE_COLONNES = "La ligne compte plus de colonnes que l'en-tête (un point-virgule de trop ?)."
SEUL_LE_PRINCIPAL = "Seul l'administrateur principal peut nommer un administrateur délégué."

_reveil = asyncio.Event()


@dataclass
class Verdict:
    numero: int
    statut: str  # ACCEPTE | REFUSE | PRESENT
    raison: str = ""
    valeurs: dict[str, str] = field(default_factory=dict)  # as the form reads them (stored, read again at creation)


class Unites:
    """The organisation's units by name (accents and case aside), read once per file."""

    def __init__(self, lignes: list[dict]) -> None:
        self.par_nom = {cle(u["nom"]): u["id"] for u in lignes}

    @classmethod
    async def de(cls, organisme_id: int) -> Unites:
        return cls(await unites.unites(organisme_id))


async def verifier_ligne(regles, moi: Utilisateur, valeurs: dict[str, str], connues: Unites) -> tuple[FormGestionnaire, str, list[str]]:
    """(the form read from the line, the name of a unit to create or "", the reasons it is refused).
    The form is « Ajouter un gestionnaire »'s and so are its checks (regles.verifier_references)."""
    valeurs = dict(valeurs)
    nom_unite, raisons = valeurs.pop("nom_unite", ""), []
    if raison := valeurs.pop("erreur", ""):
        raisons.append(raison)
    a_creer = ""
    if nom_unite:
        if (unite_id := connues.par_nom.get(cle(nom_unite))) is not None:
            valeurs["unite"] = str(unite_id)
        else:
            # As the dialog's « Ajouter une unité »: any name it accepts is created with the account.
            nouvelle = FormUnite.lire({"nom": nom_unite})
            raisons += [f"Unité : {m}" for m in nouvelle.erreurs.values()]
            a_creer = nouvelle.nom
    form = FormGestionnaire.lire(valeurs)
    try:
        await regles.verifier_references(moi, form)
    except droits.Interdit:
        raisons.append(SEUL_LE_PRINCIPAL)
    return form, a_creer, raisons + list(form.erreurs.values())


def _verdict(numero: int, valeurs: dict[str, str], raisons: list[str]) -> Verdict:
    if raisons == [COURRIEL_PRIS]:
        return Verdict(numero, PRESENT, DEJA_PRESENT, valeurs)
    if raisons:
        return Verdict(numero, REFUSE, " ".join(raisons)[:500], valeurs)
    return Verdict(numero, ACCEPTE, "", valeurs)


async def verifier(regles, moi: Utilisateur, lignes: list[tuple[int, dict[str, str] | None]]) -> list[Verdict]:
    """Every line checked; nothing written. A courriel is taken once in the file (the first line)."""
    connues = await Unites.de(moi.organisme)
    vus: dict[str, int] = {}
    verdicts = []
    for numero, cellules in lignes:
        if cellules is None:
            verdicts.append(Verdict(numero, REFUSE, TROP_DE_COLONNES))
            continue
        valeurs = valeurs_du_formulaire(cellules)
        form, _, raisons = await verifier_ligne(regles, moi, valeurs, connues)
        valeurs.pop("erreur", None)
        if form.courriel and "courriel" not in form.erreurs:
            if form.courriel in vus:
                raisons.append(f"Ce courriel figure déjà ligne {vus[form.courriel]} du fichier.")
            else:
                vus[form.courriel] = numero
        verdicts.append(_verdict(numero, valeurs, raisons))
    return verdicts


async def enregistrer(moi: Utilisateur, verdicts: list[Verdict]) -> int:
    """The checked file, kept for its importer until it expires: its id."""
    now = maintenant()
    a_creer = sum(v.statut == ACCEPTE for v in verdicts)
    async with ecriture():
        imp = ImportGestionnaires(organisme=moi.organisme, auteur=moi.id, cree_le=now, expire_le=now + DUREE, a_creer=a_creer)
        await imp.save()
        lignes = [
            LigneImport(lot=imp.id, numero=v.numero, donnees=json.dumps(v.valeurs, ensure_ascii=False), statut=v.statut, raison=v.raison)
            for v in verdicts
        ]
        for i in range(0, len(lignes), 200):
            await LigneImport.insert(*lignes[i : i + 200])
    return imp.id


async def import_de(moi: Utilisateur, id_: int) -> ImportGestionnaires | None:
    """An import is its importer's alone: anybody else's is not found."""
    filtre = (ImportGestionnaires.id == id_) & (ImportGestionnaires.auteur == moi.id) & (ImportGestionnaires.organisme == moi.organisme)
    return await ImportGestionnaires.objects().where(filtre & (ImportGestionnaires.expire_le > maintenant())).first()


async def lignes_de(imp_id: int) -> list[dict]:
    rows = await LigneImport.select(
        LigneImport.numero, LigneImport.donnees, LigneImport.statut, LigneImport.raison,
        LigneImport.utilisateur.identifiant.as_alias("identifiant"),
    ).where(LigneImport.lot == imp_id).order_by(LigneImport.numero)  # fmt: skip
    for r in rows:
        r.update(json.loads(r.pop("donnees")))
    return rows


async def confirmer(imp: ImportGestionnaires, adresse: str) -> bool:
    """« Créer les comptes »: the checked import becomes one to create (once, whatever the clicks)."""
    pris = await ImportGestionnaires.raw(
        "UPDATE import_gestionnaires SET statut = {}, adresse = {} WHERE id = {} AND statut = {} RETURNING id",
        CONFIRME, adresse[:45], imp.id, VERIFIE,
    )  # fmt: skip
    if pris:
        _reveil.set()
    return bool(pris)


async def prendre(imp_id: int, now: datetime | None = None) -> bool:
    """True for exactly one worker: the one whose conditional UPDATE claims the import (a confirmed
    one, or one whose worker stopped giving news)."""
    now = now or maintenant()
    pris = await ImportGestionnaires.raw(
        "UPDATE import_gestionnaires SET statut = {}, pris_le = {} WHERE id = {} "
        "AND (statut = {} OR (statut = {} AND pris_le < {})) RETURNING id",
        EN_COURS, now, imp_id, CONFIRME, EN_COURS, now - ABANDON,
    )  # fmt: skip
    return bool(pris)


async def creer_ligne(
    regles, settings: Settings, acteur: Acteur, moi: Utilisateur, valeurs: dict[str, str], connues: Unites, ligne_id: int | None = None
) -> tuple[str, str, Utilisateur | None]:
    """One line checked again (the organisation may have changed since the report) and created,
    whole or not at all: its unit if new, the account, its journal line, its mail, and (for a
    stored import) the line marked done, in one transaction. (statut, raison, account)."""
    form, nom_unite, raisons = await verifier_ligne(regles, moi, valeurs, connues)
    verdict = _verdict(0, valeurs, raisons)
    if verdict.statut != ACCEPTE:
        return verdict.statut, verdict.raison, None
    for essai in range(5):
        try:
            async with ecriture():
                if ligne_id is not None and not await LigneImport.raw(
                    "UPDATE ligne_import SET statut = {} WHERE id = {} AND statut = {} RETURNING id", CREE, ligne_id, ACCEPTE
                ):
                    return "", "", None  # another worker did this line
                if nom_unite:
                    form.unite = str(await unites.creer(acteur, nom_unite))
                u = await regles.inserer(settings, acteur, form, origine=", par import")
                if ligne_id is not None:
                    await LigneImport.update({LigneImport.utilisateur: u.id}).where(LigneImport.id == ligne_id)
            if nom_unite:
                connues.par_nom[cle(nom_unite)] = u.unite
            return CREE, "", u
        except regles.CourrielPris:
            return PRESENT, DEJA_PRESENT, None
        except Exception as exc:
            if est_doublon(exc) and essai < 4:
                continue
            if panne.est_panne(exc):
                raise
            log.exception("Import de gestionnaires : ligne non créée")
            return ECHEC, ECHEC_LIGNE, None
    raise AssertionError("unreachable")


async def executer(regles, settings: Settings, imp_id: int) -> dict[str, int]:
    """Creates the accepted lines of a claimed import, in file order, then marks it done. The
    importer's rights are read again: a suspended or demoted administrator creates nothing."""
    imp = await ImportGestionnaires.objects().where(ImportGestionnaires.id == imp_id).first()
    moi = await Utilisateur.objects().where(Utilisateur.id == imp.auteur).first()
    acteur = Acteur(moi.id, imp.organisme, imp.adresse)
    permis = droits.peut_gerer_habilitations(moi) and moi.organisme == imp.organisme
    connues = await Unites.de(imp.organisme)
    lignes = await LigneImport.select(LigneImport.id, LigneImport.donnees).where(
        (LigneImport.lot == imp_id) & (LigneImport.statut == ACCEPTE)
    ).order_by(LigneImport.numero)  # fmt: skip
    for ligne in lignes:
        if permis:
            statut, raison, _ = await creer_ligne(regles, settings, acteur, moi, json.loads(ligne["donnees"]), connues, ligne["id"])
        else:
            statut, raison = REFUSE, PLUS_LE_DROIT
        # Counted once, by the worker that settled the line ("" : another one did, after a takeover).
        fait = statut == CREE or bool(
            statut
            and await LigneImport.raw(
                "UPDATE ligne_import SET statut = {}, raison = {} WHERE id = {} AND statut = {} RETURNING id",
                statut, raison, ligne["id"], ACCEPTE,
            )
        )  # fmt: skip
        await ImportGestionnaires.raw(
            "UPDATE import_gestionnaires SET faites = faites + {}, pris_le = {} WHERE id = {}", int(fait), maintenant(), imp_id
        )
        file_d_envoi.reveiller()
    bilan = await bilan_de(imp_id)
    async with ecriture():
        fini = await ImportGestionnaires.raw(
            "UPDATE import_gestionnaires SET statut = {} WHERE id = {} AND statut = {} RETURNING id", TERMINE, imp_id, EN_COURS
        )
        if fini:
            await journaliser("gestionnaires_importes", acteur, detail=resume(bilan))
    return bilan


async def bilan_de(imp_id: int) -> dict[str, int]:
    rows = await LigneImport.raw("SELECT statut, COUNT(*) AS n FROM ligne_import WHERE lot = {} GROUP BY statut", imp_id)
    return {r["statut"]: r["n"] for r in rows}


def resume(bilan: dict[str, int]) -> str:
    return (
        f"{bilan.get(CREE, 0)} compte(s) créé(s), {bilan.get(PRESENT, 0)} déjà présent(s), "
        f"{bilan.get(REFUSE, 0) + bilan.get(ECHEC, 0)} ligne(s) refusée(s)"
    )


async def traiter_en_attente(regles, settings: Settings) -> int:
    """The background task's turn: every confirmed (or abandoned) import it manages to claim."""
    now = maintenant()
    abandonne = (ImportGestionnaires.statut == EN_COURS) & (ImportGestionnaires.pris_le < now - ABANDON)
    candidats = await ImportGestionnaires.select(ImportGestionnaires.id).where(
        (ImportGestionnaires.statut == CONFIRME) | abandonne
    ).order_by(ImportGestionnaires.id)  # fmt: skip
    faits = 0
    for c in candidats:
        if await prendre(c["id"], now):
            await executer(regles, settings, c["id"])
            faits += 1
    return faits


async def boucle_des_imports(regles, settings: Settings, intervalle: float = 5.0) -> None:
    """For the life of a `portail serve` process, beside the mail sender."""
    await panne.en_boucle(
        lambda: traiter_en_attente(regles, settings), lambda: panne.reveil(_reveil, delai=intervalle), "import de gestionnaires"
    )


async def identifiants_telecharges(acteur: Acteur, imp_id: int, n: int) -> None:
    await journaliser("identifiants_telecharges", acteur, detail=f"import {imp_id}, {n} identifiant(s)")


async def purger(now: datetime) -> int:
    """web.menage: expired imports and their lines (the accounts created stay, of course)."""
    async with ecriture():
        rows = await LigneImport.raw(
            "DELETE FROM ligne_import WHERE lot IN (SELECT id FROM import_gestionnaires WHERE expire_le <= {}) RETURNING id", now
        )
        await ImportGestionnaires.delete().where(ImportGestionnaires.expire_le <= now)
    return len(rows)
