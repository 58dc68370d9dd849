""" "Mot de passe oublié": requests recorded, the people who may renew told, then served.

Who may renew whom is web.droits.peut_renouveler's answer (guide: only the Caisse des Dépôts
renews the principal's password, only the principal a délégué's).

The request itself only queues what was typed (DemandeOubli): the same work and the same answer
whether or not the identifiant exists. The background task of `portail serve` then looks the
account up, applies the limits and tells whoever may renew."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from web import droits, file_d_envoi, panne
from web.acteur import Acteur
from web.comptes.service import nom_affiche, renouveler_mot_de_passe
from web.connexion import verrou
from web.db import ecriture, verrouiller
from web.journal import journaliser
from web.settings import Settings
from web.tables import ACTIF, AGENT_CDC, DELEGUE, PRINCIPAL, DemandeOubli, DemandeRenouvellement, Organisme, Utilisateur
from web.temps import maintenant

log = logging.getLogger("portail.renouvellement")

EN_ATTENTE, TRAITEE = "en_attente", "traitee"
MAX_PAR_IDENTIFIANT = 3  # per 24 hours
MAX_PAR_ADRESSE = 10  # per hour
FENETRE_ADRESSE = timedelta(hours=1)

_reveil = asyncio.Event()


async def recevoir(identifiant: str, adresse: str) -> None:
    """The request's whole work: one counter for the address (reserved atomically), one row queued.
    Nothing here depends on the identifiant existing."""
    now = maintenant()
    if await verrou.reserver_fenetre(verrou.cle_adresse(adresse, "oubli"), MAX_PAR_ADRESSE, FENETRE_ADRESSE, now):
        await DemandeOubli.insert(DemandeOubli(identifiant=identifiant[:32], adresse=adresse[:45], cree_le=now))
        _reveil.set()


async def traiter_demandes(settings: Settings, limite: int = 100) -> int:
    """Handles what was queued, oldest first; each row is taken by the statement that deletes it,
    in the transaction that handles it, so two instances never handle one twice."""
    traitees = 0
    for row in await DemandeOubli.select(DemandeOubli.id).order_by(DemandeOubli.id).limit(limite):
        async with ecriture():
            pris = await DemandeOubli.raw("DELETE FROM demande_oubli WHERE id = {} RETURNING identifiant, adresse", row["id"])
            if pris:
                await demander(settings, pris[0]["identifiant"], pris[0]["adresse"])
                traitees += 1
    if traitees:
        file_d_envoi.reveiller()
    return traitees


async def boucle_des_demandes(settings: Settings, intervalle: float = 5.0) -> None:
    """Runs for the life of a `portail serve` process, beside the mail sender."""
    await panne.en_boucle(
        lambda: traiter_demandes(settings), lambda: panne.reveil(_reveil, delai=intervalle), "traitement des demandes de renouvellement"
    )


async def renouveleurs(cible: Utilisateur) -> list[Utilisateur]:
    """Everyone who may renew this person's password, as web.droits says."""
    if cible.role == PRINCIPAL:
        candidats = await Utilisateur.objects().where((Utilisateur.role == AGENT_CDC) & (Utilisateur.statut == ACTIF))
    else:
        candidats = await Utilisateur.objects().where(
            (Utilisateur.organisme == cible.organisme) & (Utilisateur.role.is_in([PRINCIPAL, DELEGUE])) & (Utilisateur.statut == ACTIF)
        )
    return [c for c in candidats if droits.peut_renouveler(c, cible)]


async def demander(settings: Settings, identifiant: str, adresse: str) -> None:
    """Records a request when the identifiant is an active account and the limits allow it
    (background task: the person already had the same answer as everyone). Every attempt is
    journaled, known or not."""
    now = maintenant()
    cible = await Utilisateur.objects().where((Utilisateur.identifiant == identifiant) & (Utilisateur.statut == ACTIF)).first()
    destinataires = await renouveleurs(cible) if cible is not None else []
    async with ecriture():
        # The limits are read under the write lock (SQLite) or the person's row lock (PostgreSQL):
        # two requests sent at the same instant cannot both pass "one pending at a time".
        if cible is not None:
            await verrouiller(Utilisateur, cible.id)
        transmise = cible is not None and await _recevable(cible, now)
        await journaliser(
            "renouvellement_demande",
            Acteur(adresse=adresse),
            cible=cible.id if cible else None,
            organisme=cible.organisme if cible else None,
            identifiant_saisi=identifiant,
            detail="transmise" if transmise else "non transmise",
        )
        if not transmise:
            return
        await DemandeRenouvellement.insert(DemandeRenouvellement(utilisateur=cible.id, cree_le=now, adresse=adresse[:45]))
        habilitations = "« Gérer les habilitations », « Demandes de renouvellement »"
        ou = f"l'espace {settings.nom_operateur}" if cible.role == PRINCIPAL else habilitations
        for d in destinataires:
            await file_d_envoi.mettre_en_file(
                d.courriel,
                f"{settings.nom_service} : demande de renouvellement de mot de passe",
                f"Bonjour {nom_affiche(d)},\n\n{nom_affiche(cible)} (identifiant {cible.identifiant}) a oublié son mot de passe "
                f"et demande son renouvellement.\n\nVous pouvez le renouveler dans {ou} : {settings.base_url}\n\n"
                "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n",
            )
    file_d_envoi.reveiller()


async def _recevable(cible: Utilisateur, now) -> bool:
    """One pending request at a time, three a day, and none for a suspended organisation."""
    if cible.organisme and await Organisme.exists().where((Organisme.id == cible.organisme) & (Organisme.statut != ACTIF)):
        return False
    siennes = DemandeRenouvellement.utilisateur == cible.id
    if await DemandeRenouvellement.exists().where(siennes & (DemandeRenouvellement.statut == EN_ATTENTE)):
        return False
    recentes = await DemandeRenouvellement.count().where(siennes & (DemandeRenouvellement.cree_le > now - timedelta(hours=24)))
    return recentes < MAX_PAR_IDENTIFIANT


async def demandes_pour(acteur: Utilisateur | None) -> list[dict]:
    """Pending requests this person may serve (None: the `portail` command, for principals)."""
    rows = (
        await DemandeRenouvellement.select(
            DemandeRenouvellement.id,
            DemandeRenouvellement.cree_le,
            DemandeRenouvellement.utilisateur.id.as_alias("cible_id"),
            DemandeRenouvellement.utilisateur.identifiant.as_alias("identifiant"),
            DemandeRenouvellement.utilisateur.civilite.as_alias("civilite"),
            DemandeRenouvellement.utilisateur.prenom.as_alias("prenom"),
            DemandeRenouvellement.utilisateur.nom.as_alias("nom"),
            DemandeRenouvellement.utilisateur.organisme.raison_sociale.as_alias("organisme"),
        )
        .where(DemandeRenouvellement.statut == EN_ATTENTE)
        .where(
            DemandeRenouvellement.utilisateur.role == PRINCIPAL
            if acteur is None or acteur.role == AGENT_CDC
            else DemandeRenouvellement.utilisateur.organisme == acteur.organisme
        )
        .order_by(DemandeRenouvellement.id)
    )
    if acteur is None:
        return rows
    cibles = {u.id: u for u in await Utilisateur.objects().where(Utilisateur.id.is_in([r["cible_id"] for r in rows] or [0]))}
    return [r for r in rows if droits.peut_renouveler(acteur, cibles[r["cible_id"]])]


class NonAutorise(droits.Interdit):
    """Not one this person may serve: 403 for a route, a refusal for the command."""


async def servir(settings: Settings, demande_id: int, moi: Utilisateur | None, acteur: Acteur) -> bool:
    """Renews the password and closes the request, together. False if it is gone or served.
    `moi`: who serves it (None: the `portail` command, which serves principals' only)."""
    d = (
        await DemandeRenouvellement.objects()
        .where((DemandeRenouvellement.id == demande_id) & (DemandeRenouvellement.statut == EN_ATTENTE))
        .first()
    )
    if d is None:
        return False
    cible = await Utilisateur.objects().where(Utilisateur.id == d.utilisateur).first()
    if moi is not None and not droits.peut_renouveler(moi, cible):
        raise NonAutorise
    if moi is None and cible.role != PRINCIPAL:
        raise NonAutorise
    async with ecriture():
        pris = (
            await DemandeRenouvellement.update(
                {
                    DemandeRenouvellement.statut: TRAITEE,
                    DemandeRenouvellement.traitee_par: acteur.id,
                    DemandeRenouvellement.traitee_le: maintenant(),
                }
            )
            .where((DemandeRenouvellement.id == d.id) & (DemandeRenouvellement.statut == EN_ATTENTE))
            .returning(DemandeRenouvellement.id)
        )
        if not pris:
            return False
        await renouveler_mot_de_passe(settings, cible, acteur)
    return True
