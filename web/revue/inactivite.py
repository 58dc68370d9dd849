"""Accounts no longer used are closed (ANSSI's hygiene guide): the housekeeping task (web.menage)
suspends an account unused for PORTAIL_INACTIVITE_MOIS months, after a notice mailed once, a month
before, to its holder and their administrators (the principal; and the délégués for a plain
gestionnaire).

Unused since: the last sign-in, or the account's creation when it never signed in, or its
reactivation by an administrator when that is later (a reactivated account gets a full period
again instead of being suspended at the next run). A sign-in after the notice cancels it; the
suspension is a conditional UPDATE on that same date, so a sign-in a moment before is never lost.

The principal administrator is never suspended automatically: the organisation would be left with
nobody to manage its accounts (only the Caisse des Dépôts could then act). The Caisse des Dépôts
sees the principal's last sign-in in its list of organisations without a recent review instead."""

from __future__ import annotations

import logging
from datetime import datetime

from piccolo.columns.combination import WhereRaw

from web import file_d_envoi, sessions
from web.acteur import PORTAIL
from web.comptes.service import nom_affiche
from web.db import ecriture
from web.journal import journaliser
from web.settings import Settings
from web.tables import ACTIF, DELEGUE, GESTIONNAIRE, PRINCIPAL, SUSPENDU, AvisInactivite, Utilisateur
from web.temps import instant, mois_avant

log = logging.getLogger("portail.menage")
LOT = 1000  # accounts handled per run and kind: a backlog is worked off over the next runs
PAR_TRANSACTION = 50  # notices per write transaction: what a sign-in may wait for

_REFERENCE = "COALESCE(u.derniere_connexion, u.cree_le)"
_REACTIVE = "(SELECT MAX(j.cree_le) FROM journal j WHERE j.cible = u.id AND j.type = 'gestionnaire_reactive')"
# The date the account has been unused since (see the module's docstring), in SQL both engines share.
ACTIVITE = f"CASE WHEN {_REACTIVE} > {_REFERENCE} THEN {_REACTIVE} ELSE {_REFERENCE} END"
_CANDIDATS = (
    "FROM utilisateur u JOIN organisme o ON o.id = u.organisme {jointure} "
    f"WHERE u.statut = '{ACTIF}' AND o.statut = '{ACTIF}' AND u.role IN ('{GESTIONNAIRE}', '{DELEGUE}') "
    f"AND {_REFERENCE} <= {{{{}}}} AND {ACTIVITE} <= {{{{}}}}"
)


def date_fr(d: datetime) -> str:
    return d.strftime("%d/%m/%Y")


async def traiter(now: datetime) -> int:
    """One housekeeping run: the notices due, then the suspensions due. Returns how many of each
    were done (the registry's count)."""
    mois = Settings.from_env().inactivite_mois
    return await aviser(now, mois) + await suspendre(now, mois)


async def aviser(now: datetime, mois: int) -> int:
    """The notices due: each holder's mail, in transactions of PAR_TRANSACTION accounts (a large
    organisation's backlog never holds SQLite's write lock for long: a sign-in waits one batch at
    most); then one mail per administrator listing the accounts of theirs noticed (not one per
    account: a large employer's délégués would otherwise get hundreds)."""
    limite = mois_avant(now, mois - 1)
    jointure = "LEFT JOIN avis_inactivite a ON a.utilisateur = u.id"
    lignes = await Utilisateur.raw(
        f"SELECT u.id, u.organisme, {ACTIVITE} AS depuis " + _CANDIDATS.format(jointure=jointure)
        + f" AND (a.id IS NULL OR a.depuis <> {ACTIVITE}) ORDER BY u.organisme, u.id LIMIT {LOT}",
        limite, limite,
    )  # fmt: skip
    settings = Settings.from_env()
    n = 0
    for debut in range(0, len(lignes), PAR_TRANSACTION):
        async with ecriture():  # each batch whole or not at all: notice, holder's mail, journal
            for ligne in lignes[debut : debut + PAR_TRANSACTION]:
                depuis = instant(ligne["depuis"])
                if not await _reserver(ligne["id"], depuis, now):
                    continue
                u = await Utilisateur.objects().where(Utilisateur.id == ligne["id"]).first()
                le = suspension_le(depuis, now, mois)
                await file_d_envoi.mettre_en_file(u.courriel, *courriel_titulaire(settings, u, depuis, le), concerne=u.id)
                await journaliser(
                    "avis_inactivite", PORTAIL, cible=u.id, organisme=u.organisme, detail=f"suspension prévue le {date_fr(le)}"
                )
                n += 1
    annonces = await annoncer(settings, mois)
    if n or annonces:
        file_d_envoi.reveiller()
    return n


def suspension_le(depuis: datetime, avise_le: datetime, mois: int) -> datetime:
    """The suspension date a notice announces: never less than a month after the notice."""
    return max(mois_avant(depuis, -mois), mois_avant(avise_le, -1))


async def annoncer(settings: Settings, mois: int) -> int:
    """The administrators' grouped mails, one transaction per organisation: its notices not yet
    included (this run's, and those of a run that died before this step: their holders were
    told with the notice), flagged in the same transaction as the mails are queued. Returns how
    many mails were queued."""
    organismes = await AvisInactivite.raw(
        "SELECT DISTINCT organisme FROM utilisateur WHERE id IN (SELECT utilisateur FROM avis_inactivite WHERE NOT administrateurs_avises)"
    )
    n = 0
    for o in organismes:
        # Read before the write transaction, which then only flags and queues (the lock is held
        # the shortest time). Still pending: the account and its organisation active, the account
        # unused since the notice's date (a sign-in or a suspension since a crash makes it moot;
        # flagged all the same).
        avis = await AvisInactivite.raw(
            "SELECT a.id, a.utilisateur, a.depuis, a.envoye_le, "
            f"u.statut = '{ACTIF}' AND o.statut = '{ACTIF}' AND a.depuis = {ACTIVITE} AS en_cours "
            "FROM avis_inactivite a JOIN utilisateur u ON u.id = a.utilisateur JOIN organisme o ON o.id = u.organisme "
            "WHERE NOT a.administrateurs_avises AND u.organisme = {} ORDER BY u.id",
            o["organisme"],
        )  # fmt: skip
        if not avis:  # another run told them meanwhile
            continue
        ids = [a["utilisateur"] for a in avis if a["en_cours"]]
        comptes = {u.id: u for u in await Utilisateur.objects().where(Utilisateur.id.is_in(ids))} if ids else {}
        async with ecriture():
            flagges = await (
                AvisInactivite.update({AvisInactivite.administrateurs_avises: True})
                .where(AvisInactivite.id.is_in([a["id"] for a in avis]) & (AvisInactivite.administrateurs_avises == False))  # noqa: E712
                .returning(AvisInactivite.id)
            )
            flagges = {f["id"] for f in flagges}  # conditional: what another run flagged meanwhile is not told twice
            avises = []
            for a in avis:
                if a["id"] in flagges and a["en_cours"]:
                    depuis = instant(a["depuis"])
                    avises.append((comptes[a["utilisateur"]], depuis, suspension_le(depuis, instant(a["envoye_le"]), mois)))
            for destinataire, sujet, corps in await courriels_administrateurs(settings, o["organisme"], avises):
                await file_d_envoi.mettre_en_file(destinataire, sujet, corps)
                n += 1
    return n


async def _reserver(id_: int, depuis: datetime, now: datetime) -> bool:
    """One upsert: one notice per account and date of last activity. A notice made again for a
    new date is to be told to the administrators again."""
    return bool(
        await AvisInactivite.insert(AvisInactivite(utilisateur=id_, depuis=depuis, envoye_le=now))
        .on_conflict(
            target=AvisInactivite.utilisateur, action="DO UPDATE", where=AvisInactivite.depuis != depuis,
            values=[AvisInactivite.depuis, AvisInactivite.envoye_le, AvisInactivite.administrateurs_avises],
        )
        .returning(AvisInactivite.id)
    )  # fmt: skip


async def suspendre(now: datetime, mois: int) -> int:
    """Accounts unused for `mois` months whose notice, about that same date, left a month ago."""
    limite = mois_avant(now, mois)
    jointure = "JOIN avis_inactivite a ON a.utilisateur = u.id"
    lignes = await Utilisateur.raw(
        "SELECT u.id, u.organisme " + _CANDIDATS.format(jointure=jointure)
        + f" AND a.depuis = {ACTIVITE} AND a.envoye_le <= {{}} ORDER BY u.id LIMIT {LOT}",
        limite, limite, mois_avant(now, 1),
    )  # fmt: skip
    n = 0
    for ligne in lignes:
        async with ecriture():
            # Conditional: a sign-in or a reactivation since the query keeps the account.
            fait = (
                await Utilisateur.update({Utilisateur.statut: SUSPENDU})
                .where(
                    (Utilisateur.id == ligne["id"]) & (Utilisateur.statut == ACTIF)
                    & WhereRaw(f"EXISTS (SELECT 1 FROM utilisateur u WHERE u.id = utilisateur.id AND {ACTIVITE} <= {{}})", limite)
                )
                .returning(Utilisateur.id)
            )  # fmt: skip
            if fait:
                await sessions.fermer_toutes(ligne["id"])
                detail = f"aucune connexion depuis plus de {mois} mois"
                await journaliser("suspension_inactivite", PORTAIL, cible=ligne["id"], organisme=ligne["organisme"], detail=detail)
                n += 1
    if n:
        log.info("comptes suspendus pour inactivité : %d", n)
    return n


FIN = "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"
LISTE_MAX = 200  # accounts named in one administrator's mail; the rest are counted


def inutilise(u: Utilisateur, depuis: datetime) -> str:
    if u.derniere_connexion is None and depuis == u.cree_le:
        return f"n'a jamais été utilisé depuis sa création le {date_fr(depuis)}"
    return f"n'a pas été utilisé depuis le {date_fr(depuis)}"


def courriel_titulaire(settings: Settings, u: Utilisateur, depuis: datetime, le: datetime) -> tuple[str, str]:
    """The holder's notice: (sujet, corps)."""
    service = settings.nom_service
    return (
        f"{service} : votre compte sera suspendu le {date_fr(le)} faute d'utilisation",
        f"Bonjour {nom_affiche(u)},\n\nVotre compte du {service} (identifiant {u.identifiant}) {inutilise(u, depuis)}. "
        f"Un compte inutilisé pendant {settings.inactivite_mois} mois est suspendu automatiquement : sans connexion de "
        f"votre part, le vôtre le sera à partir du {date_fr(le)}.\n\nPour le garder, il suffit de vous connecter : "
        f"{settings.base_url}/connexion\n\nSi vous n'en avez plus besoin, vous n'avez rien à faire.\n\n{FIN}",
    )


async def courriels_administrateurs(settings: Settings, organisme: int, avises: list) -> list[tuple[str, str, str]]:
    """One mail per active administrator of the organisation naming the accounts noticed that they
    manage: the principal all of them, a délégué the plain gestionnaires (never their own)."""
    if not avises:
        return []
    administrateurs = await Utilisateur.objects().where(
        (Utilisateur.organisme == organisme) & Utilisateur.role.is_in([PRINCIPAL, DELEGUE]) & (Utilisateur.statut == ACTIF)
    )
    courriels = []
    for a in administrateurs:
        siens = [(u, depuis, le) for u, depuis, le in avises if u.id != a.id and (a.role == PRINCIPAL or u.role == GESTIONNAIRE)]
        if not siens:
            continue
        lignes = [f"- {nom_affiche(u)} ({u.identifiant}) {inutilise(u, depuis)} : suspendu le {date_fr(le)}" for u, depuis, le in siens]
        if len(lignes) > LISTE_MAX:
            lignes = [*lignes[:LISTE_MAX], f"- et {len(lignes) - LISTE_MAX} autres comptes"]
        pluriel = len(siens) > 1
        sujet = f"{settings.nom_service} : {len(siens)} compte{'s' if pluriel else ''} de votre organisme " + (
            "seront suspendus faute d'utilisation" if pluriel else "sera suspendu faute d'utilisation"
        )
        corps = (
            f"Bonjour {nom_affiche(a)},\n\nSans connexion de leur part, ces comptes de votre organisme seront suspendus "
            f"automatiquement ({settings.inactivite_mois} mois sans connexion) :\n\n" + "\n".join(lignes) + "\n\n"
            "Vous pouvez les suspendre dès maintenant ou confirmer leur habilitation dans « Revue des habilitations », ou "
            "les modifier dans « Gérer les habilitations ». Un compte suspendu peut être réactivé depuis sa fiche.\n\n" + FIN
        )
        courriels.append((a.courriel, sujet, corps))
    return courriels
