"""The organisation's units (Paramètres; "Ajouter une unité" from a gestionnaire's form): each
change journaled in its transaction. Who may call what is web.droits' answer, asked by the routes."""

from __future__ import annotations

from web.acteur import Acteur
from web.db import ecriture, verrouiller
from web.journal import journaliser
from web.recherche import cle
from web.tables import Organisme, Unite, Utilisateur

DEJA = "Une unité de votre organisme porte déjà ce nom."


class UniteRefusee(Exception):
    """The French reason a unit could not be added, renamed or deleted."""


async def unites(organisme_id: int) -> list[dict]:
    """The organisation's units by name. Hand-written: the gestionnaire's form and « Gérer les
    habilitations » ask on every request, and building Piccolo's select cost more than running it."""
    return await Unite.raw("SELECT id, nom FROM unite WHERE organisme = {} ORDER BY nom", organisme_id)


async def utilisees(organisme_id: int) -> set[int]:
    """The units given to at least one gestionnaire (those cannot be deleted)."""
    rows = await Utilisateur.select(Utilisateur.unite).where(Utilisateur.organisme == organisme_id).distinct()
    return {r["unite"] for r in rows}


async def unite_de(organisme_id: int, unite_id: int) -> Unite | None:
    """The unit if it belongs to this organisation; another organisation's is never found."""
    return await Unite.objects().where((Unite.id == unite_id) & (Unite.organisme == organisme_id)).first()


async def nom_pris(organisme_id: int, nom: str, sauf: int | None = None) -> bool:
    """Two units of one organisation with the same name could not be told apart in its lists."""
    filtre = (Unite.organisme == organisme_id) & (Unite.nom == nom)
    if sauf is not None:
        filtre &= Unite.id != sauf
    return await Unite.exists().where(filtre)


async def creer(acteur: Acteur, nom: str) -> int:
    """The unit of this name (created, or the one that already has it: a double click adds one)."""
    async with ecriture():
        existante = await Unite.select(Unite.id).where((Unite.organisme == acteur.organisme) & (Unite.nom == nom)).first()
        if existante:
            return existante["id"]
        u = Unite(organisme=acteur.organisme, nom=nom)
        await u.save()
        await journaliser("unite_creee", acteur, detail=nom)
    return u.id


async def renommer(acteur: Acteur, unite: Unite, nom: str) -> None:
    if await nom_pris(acteur.organisme, nom, sauf=unite.id):
        raise UniteRefusee(DEJA)
    async with ecriture():
        # The accounts' sort key follows (« Gérer les habilitations » sorted by unit), under the
        # lock that a gestionnaire's creation or change takes.
        await verrouiller(Organisme, acteur.organisme)
        await Unite.update({Unite.nom: nom}).where(Unite.id == unite.id)
        comptes = (Utilisateur.organisme == acteur.organisme) & (Utilisateur.unite == unite.id)
        await Utilisateur.update({Utilisateur.unite_cle: cle(nom)}).where(comptes)
        await journaliser("unite_renommee", acteur, detail=f"{unite.nom} → {nom}")


async def supprimer(acteur: Acteur, unite: Unite) -> None:
    async with ecriture():
        if await Utilisateur.exists().where(Utilisateur.unite == unite.id):
            raise UniteRefusee(f"L'unité « {unite.nom} » est encore attribuée à des gestionnaires : elle ne peut pas être supprimée.")
        await Unite.delete().where(Unite.id == unite.id)
        await journaliser("unite_supprimee", acteur, detail=unite.nom)


async def exiger_second_facteur(acteur: Acteur, requis: bool) -> None:
    """« Second facteur requis pour tous les gestionnaires »: each gestionnaire without one enrols
    at their next sign-in (web.facteurs)."""
    async with ecriture():
        await verrouiller(Organisme, acteur.organisme)
        rows = await Organisme.raw(
            "UPDATE organisme SET second_facteur_requis = {} WHERE id = {} AND second_facteur_requis <> {} RETURNING id",
            requis, acteur.organisme, requis,
        )  # fmt: skip
        if rows:
            await journaliser("second_facteur_exige", acteur, detail="exigé" if requis else "n'est plus exigé")
