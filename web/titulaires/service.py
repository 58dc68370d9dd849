"""Titulaires: search within one's organisation, identity, contact details, hours account."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from piccolo.query.functions.aggregate import Sum

from web import droits
from web.db import ecriture
from web.entrees import trouve
from web.journal import journaliser
from web.recherche import cle
from web.tables import Dossier, Emploi, Mouvement, Organisme, Titulaire, Utilisateur

if TYPE_CHECKING:
    from web.acteur import Acteur
    from web.titulaires.forms import FormCoordonneesTitulaire

AUCUN = "Aucun titulaire ne correspond à votre recherche."
PLAFOND = 150  # hours: 25 h a year up to 150 h
CREDIT_ANNUEL = 25


def requete_recherche(organisme_id: int, nir: str, nom: str):
    """The titulaires employed by this organisation with this NIR whose birth or usage name is
    `nom` (case and accents ignored). Nothing else is reachable: no browsing, no other employer."""
    t = Emploi.titulaire
    k = cle(nom)
    return Emploi.select(
        t.id.as_alias("id"),
        t.nir.as_alias("nir"),
        t.nom_naissance.as_alias("nom_naissance"),
        t.nom_usage.as_alias("nom_usage"),
        t.prenom.as_alias("prenom"),
        t.date_naissance.as_alias("date_naissance"),
    ).where((Emploi.organisme == organisme_id) & (t.nir == nir) & ((t.nom_naissance_cle == k) | (t.nom_usage_cle == k)))


async def rechercher(organisme_id: int, nir: str, nom: str) -> list[dict]:
    if not cle(nom):
        return []
    return await requete_recherche(organisme_id, nir, nom)


async def titulaire_de(organisme_id: int, titulaire_id: int) -> Titulaire | None:
    """The titulaire if this organisation employs them, else None (a 404 for the caller)."""
    if not await Emploi.exists().where((Emploi.organisme == organisme_id) & (Emploi.titulaire == titulaire_id)):
        return None
    return await Titulaire.objects().where(Titulaire.id == titulaire_id).first()


async def solde(titulaire_id: int) -> int:
    row = await Mouvement.select(Sum(Mouvement.heures).as_alias("s")).where(Mouvement.titulaire == titulaire_id).first()
    return int(row["s"] or 0) if row else 0


async def mouvements(titulaire_id: int) -> list[dict]:
    return (
        await Mouvement.select()
        .where(Mouvement.titulaire == titulaire_id)
        .order_by(Mouvement.date, ascending=False)
        .order_by(Mouvement.id, ascending=False)
    )


async def dossiers(organisme_id: int, titulaire_id: int) -> list[dict]:
    """The dossiers this organisation opened for the titulaire (another employer's are theirs)."""
    return (
        await Dossier.select()
        .where((Dossier.titulaire == titulaire_id) & (Dossier.organisme == organisme_id))
        .order_by(Dossier.id, ascending=False)
    )


# --- Contact details (Consultation) -----------------------------------------------------------


async def charger(moi: Utilisateur, organisme: Organisme, titulaire_id: int) -> Titulaire:
    """A titulaire this person may consult: 403 without the level, 404 outside their organisation."""
    if not droits.peut_dossier(moi, organisme, "consulter"):
        raise droits.Interdit
    return trouve(await titulaire_de(organisme.id, titulaire_id))


async def modifier_coordonnees(t: Titulaire, form: FormCoordonneesTitulaire, acteur: Acteur) -> None:
    """Saved with the journal's list of what changed (never the values)."""
    avant = {"courriel": t.courriel, "telephone": t.telephone, "adresse": t.adresse}
    changes = form.changements(avant)
    if not changes:
        return
    async with ecriture():
        await Titulaire.update({k: getattr(form, k) for k in avant}).where(Titulaire.id == t.id)
        await journaliser("titulaire_modifie", acteur, detail=f"Titulaire n° {t.id} : " + ", ".join(changes))


# --- Creation (import, demo) ------------------------------------------------------------------


async def titulaire_par_nir(nir: str) -> Titulaire | None:
    return await Titulaire.objects().where(Titulaire.nir == nir).first()


async def creer_titulaire(
    nir: str, nom_naissance: str, prenom: str, date_naissance: dt.date, *, nom_usage: str = "", courriel: str = "", telephone: str = ""
) -> Titulaire:
    t = Titulaire(
        nir=nir,
        nom_naissance=nom_naissance.upper(),
        nom_usage=nom_usage.upper(),
        prenom=prenom,
        date_naissance=date_naissance,
        courriel=courriel,
        telephone=telephone,
        nom_naissance_cle=cle(nom_naissance),
        nom_usage_cle=cle(nom_usage),
    )
    await t.save()
    return t


async def employer(titulaire_id: int, organisme_id: int) -> bool:
    """Link the titulaire to the organisation; False when already linked."""
    if await Emploi.exists().where((Emploi.titulaire == titulaire_id) & (Emploi.organisme == organisme_id)):
        return False
    await Emploi.insert(Emploi(titulaire=titulaire_id, organisme=organisme_id))
    return True


def date_alimentation(annee: int) -> dt.date:
    return dt.date(annee, 12, 31)


async def crediter(titulaire_id: int, annee: int, heures: int) -> bool:
    """The yearly credit (alimentation), once per titulaire and year; False when already there."""
    jour = date_alimentation(annee)
    if await Mouvement.exists().where(
        (Mouvement.titulaire == titulaire_id) & (Mouvement.type == "alimentation") & (Mouvement.date == jour)
    ):
        return False
    await Mouvement.insert(
        Mouvement(titulaire=titulaire_id, date=jour, heures=heures, type="alimentation", libelle=f"Alimentation {annee}")
    )
    return True


async def organisme_par_siret(siret: str) -> Organisme | None:
    return await Organisme.objects().where(Organisme.siret == siret).first()
