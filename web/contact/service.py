"""« Nous contacter »: a person of an organisation writes to the Caisse des Dépôts; its agents read
the queue and answer; the answer is mailed to the account's courriel and kept in the thread.

Limits: MAX_PAR_PERSONNE messages per FENETRE and per person, reserved by the one upsert of
web.connexion.verrou.reserver_fenetre inside the transaction that stores the message. Two agents
answering at once: both answers are kept and mailed (nothing typed is lost); the second is told
that another answer went first. Retention: CONSERVATION after the last message of a thread
(web.menage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from web import file_d_envoi
from web.acteur import Acteur
from web.comptes.service import nom_affiche
from web.connexion import verrou
from web.db import ecriture, verrouiller
from web.journal import journaliser
from web.settings import Settings
from web.tables import MessageContact, ReponseContact, Utilisateur
from web.temps import maintenant

NOUVEAU, REPONDU = "nouveau", "repondu"
STATUTS = {NOUVEAU: "Nouveau", REPONDU: "Répondu"}
MAX_PAR_PERSONNE = 5
FENETRE = timedelta(hours=24)
PAR_PAGE = 20
CONSERVATION = timedelta(days=730)


class TropDeMessages(Exception):
    """The person's limit of messages over FENETRE is reached: nothing is stored."""


def cle_limite(utilisateur_id: int) -> str:
    return f"p|contact|{utilisateur_id}"


async def envoyer(acteur: Acteur, objet: str, corps: str) -> int:
    """Stores the message and its journal line, the person's counter reserved in the same
    transaction. Returns the message's id."""
    now = maintenant()
    async with ecriture():
        if not await verrou.reserver_fenetre(cle_limite(acteur.id), MAX_PAR_PERSONNE, FENETRE, now):
            raise TropDeMessages
        rows = await MessageContact.insert(
            MessageContact(auteur=acteur.id, organisme=acteur.organisme, objet=objet, corps=corps, cree_le=now, maj_le=now)
        ).returning(MessageContact.id)
        message_id = rows[0]["id"]
        await journaliser("contact_envoye", acteur, cible=acteur.id, detail=f"message n° {message_id}")
    return message_id


_COLONNES = (
    MessageContact.id, MessageContact.objet, MessageContact.statut, MessageContact.cree_le, MessageContact.maj_le,
    MessageContact.auteur.civilite.as_alias("civilite"), MessageContact.auteur.prenom.as_alias("prenom"),
    MessageContact.auteur.nom.as_alias("nom"), MessageContact.organisme.raison_sociale.as_alias("organisme"),
)  # fmt: skip


async def mes_messages(moi: Utilisateur, pagination) -> tuple[list[dict], int]:
    """The person's own threads, the latest activity first."""
    siens = MessageContact.auteur == moi.id
    total = await MessageContact.count().where(siens)
    lignes = (
        await MessageContact.select(*_COLONNES)
        .where(siens)
        .order_by(MessageContact.maj_le, ascending=False)
        .order_by(MessageContact.id, ascending=False)
        .limit(pagination.par_page)
        .offset(pagination.decalage)
    )
    return lignes, total


async def file(statut: str, pagination) -> tuple[list[dict], int]:
    """The Caisse des Dépôts' queue, oldest first; `statut`: a key of STATUTS, or "" for all."""
    filtre = MessageContact.statut == statut if statut else MessageContact.id > 0
    total = await MessageContact.count().where(filtre)
    lignes = (
        await MessageContact.select(*_COLONNES)
        .where(filtre)
        .order_by(MessageContact.cree_le)
        .order_by(MessageContact.id)
        .limit(pagination.par_page)
        .offset(pagination.decalage)
    )
    return lignes, total


@dataclass(frozen=True)
class Fil:
    message: dict
    reponses: list[dict]


async def fil(message_id: int, auteur: Utilisateur | None = None) -> Fil | None:
    """A message and its answers, oldest first; with `auteur`, only if it is theirs (None
    otherwise: someone else's thread does not exist for them)."""
    filtre = MessageContact.id == message_id
    if auteur is not None:
        filtre &= MessageContact.auteur == auteur.id
    colonnes = (*_COLONNES, MessageContact.corps, MessageContact.auteur.courriel.as_alias("courriel"))
    message = await MessageContact.select(*colonnes).where(filtre).first()
    if message is None:
        return None
    reponses = (
        await ReponseContact.select(
            ReponseContact.corps, ReponseContact.cree_le, ReponseContact.auteur.prenom.as_alias("prenom"),
            ReponseContact.auteur.nom.as_alias("nom"),
        )
        .where(ReponseContact.message == message_id)
        .order_by(ReponseContact.id)
    )  # fmt: skip
    return Fil(message, reponses)


async def repondre(settings: Settings, acteur: Acteur, message_id: int, corps: str, vues: int) -> bool:
    """Stores the answer, marks the message answered, mails the answer to the sender's current
    courriel and journals it, together. `vues`: how many answers the agent saw; True when another
    answer came in meanwhile (it is kept too)."""
    now = maintenant()
    async with ecriture():
        await verrouiller(MessageContact, message_id)
        message = await MessageContact.objects().where(MessageContact.id == message_id).first()
        if message is None:
            raise LookupError(message_id)
        deja = await ReponseContact.count().where(ReponseContact.message == message_id)
        await ReponseContact.insert(ReponseContact(message=message_id, auteur=acteur.id, corps=corps, cree_le=now))
        await MessageContact.update({MessageContact.statut: REPONDU, MessageContact.maj_le: now}).where(MessageContact.id == message_id)
        auteur = await Utilisateur.objects().where(Utilisateur.id == message.auteur).first()
        await journaliser("contact_repondu", acteur, cible=auteur.id, organisme=message.organisme, detail=f"message n° {message_id}")
        await file_d_envoi.mettre_en_file(
            auteur.courriel,
            f"{settings.nom_service} : réponse à votre message « {message.objet} »"[:200],
            f"Bonjour {nom_affiche(auteur)},\n\n{settings.nom_operateur} a répondu à votre message « {message.objet} » :\n\n"
            f"{corps}\n\nRetrouvez l'échange dans « Nous contacter », « Mes messages » : "
            f"{settings.base_url}/contact/messages/{message_id}\n\n"
            "Ce message est envoyé automatiquement, merci de ne pas y répondre : écrivez depuis « Nous contacter ».\n",
        )
    file_d_envoi.reveiller()
    return deja > vues


async def purger(now: datetime) -> int:
    """Housekeeping (web.menage): the threads quiet for CONSERVATION, answers first."""
    avant = now - CONSERVATION
    await ReponseContact.raw("DELETE FROM reponse_contact WHERE message IN (SELECT id FROM message_contact WHERE maj_le < {})", avant)
    rows = await MessageContact.delete().where(MessageContact.maj_le < avant).returning(MessageContact.id)
    return len(rows)
