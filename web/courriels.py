"""Outgoing mail through an outbox table.

A message is inserted in the same transaction as the change that causes it, then a
sender delivers it: by SMTP when PORTAIL_SMTP_URL is set, else as an .eml file under
var/courriels/. Each row is claimed by a conditional UPDATE before sending, so two
instances never send the same message at once.

Delivery follows what an MTA does (RFC 5321): the client waits minutes for a slow relay
(§4.5.3.2), the claim outlives the longest delivery, temporary failures are retried for days
(§4.5.4.1), permanent refusals (5xx) stop at once, and every attempt of one message carries the
same Message-ID, so that a resend after a crash is recognisable. Several messages are delivered
at once: one hanging relay connection does not hold the others. A message that finally fails is
shown to whoever may act on it (`non_remis`).

The body enters at `mettre_en_file` and leaves at `construire`: nothing else reads it. It may hold
a temporary password: it is stored sealed (Fernet, with a key derived from PORTAIL_SECRET_KEY),
opened only to build the message, and wiped once delivered or given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlparse

import aiosmtplib

from web import observabilite, panne
from web.file_d_envoi import MOT_DE_PASSE, _reveil, mettre_en_file, ouvrir, reveiller, sceller  # noqa: F401 - the outbox, re-exported
from web.settings import Settings
from web.tables import A_ENVOYER, ECHEC, EN_COURS, ENVOYE, Courriel
from web.temps import maintenant

log = logging.getLogger("portail.courriels")


# RFC 5321 §4.5.3.2: a client waits 5 minutes for most replies and 10 for the one after the data.
DELAI_SMTP = 300  # seconds, each SMTP exchange
DELAI_REMISE = timedelta(minutes=11)  # one whole delivery, whatever happens
# A claim older than this belongs to a sender that died: longer than any delivery can take, so a
# slow relay is never given the same message by a second sender.
RECLAMATION = DELAI_REMISE + timedelta(minutes=4)
# RFC 5321 §4.5.4.1: retries at least 30 minutes apart after the first few, given up after 4-5 days.
PREMIERS_ESSAIS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=30))
ENSUITE = timedelta(hours=1)
DUREE_DE_VIE = timedelta(days=5)
PARALLELE = 4  # deliveries at once, per process
ARRET = 20.0  # seconds a stopping process lets its deliveries finish (within systemd's TimeoutStopSec)

def message_id(settings: Settings, id_: int, cree_le: datetime) -> str:
    """The same for every attempt of one message: a resend is recognisable as such."""
    domaine = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "portail.invalid"
    return f"<courriel.{id_}.{cree_le:%Y%m%d%H%M%S%f}@{domaine}>"


def construire(settings: Settings, destinataire: str, sujet: str, corps: str, *, ident: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = destinataire
    msg["Subject"] = sujet
    msg["Date"] = format_datetime(maintenant())
    msg["Message-ID"] = ident
    msg.set_content(corps)
    return msg


def prochain_delai(tentatives: int) -> timedelta:
    """How long after its `tentatives`-th failed attempt a message is tried again."""
    return PREMIERS_ESSAIS[tentatives - 1] if 0 < tentatives <= len(PREMIERS_ESSAIS) else ENSUITE


def refus_definitif(exc: BaseException) -> int | None:
    """The 5xx code when the relay refused the message for good (recipient, sender or content),
    else None: a temporary failure, retried."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        return min(codes) if codes and all(500 <= c < 600 for c in codes) else None
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError):
        return exc.code if 500 <= exc.code < 600 else None
    return None


async def _deposer(settings: Settings, msg: EmailMessage, id_: int) -> None:
    if settings.smtp_url:
        url = urlparse(settings.smtp_url)
        await aiosmtplib.send(
            msg,
            hostname=url.hostname or "127.0.0.1",
            port=url.port or 25,
            username=url.username,
            password=url.password,
            start_tls=url.scheme == "smtp+starttls" or None,
            use_tls=url.scheme == "smtps",
            timeout=DELAI_SMTP,
        )
        return
    dossier = settings.courriels_dir
    dossier.mkdir(parents=True, exist_ok=True)
    nom = re.sub(r"[^A-Za-z0-9@._-]", "_", str(msg["To"]))
    chemin = dossier / f"{maintenant():%Y%m%dT%H%M%S}-{id_:06d}-{nom}.eml"
    # Written to be read with `cat`: UTF-8 headers (RFC 6532) and an 8bit body, not encoded words
    # and quoted-printable (the SMTP path keeps those, which every relay accepts).
    msg.set_content(msg.get_content(), cte="8bit")
    chemin.write_bytes(msg.as_bytes(policy=msg.policy.clone(utf8=True)))


def _du(now: datetime):
    """Rows a sender may take: due, or claimed by a sender that died."""
    return ((Courriel.statut == A_ENVOYER) & (Courriel.prochain_essai <= now)) | (
        (Courriel.statut == EN_COURS) & (Courriel.pris_le < now - RECLAMATION)
    )


async def reclamer(n: int) -> list[dict]:
    """Claims up to `n` due messages, one conditional UPDATE each: a row another sender took
    between the read and the write is skipped."""
    now = maintenant()
    candidats = await Courriel.select(Courriel.id).where(_du(now)).order_by(Courriel.id).limit(max(n * 4, n))
    pris: list[dict] = []
    for row in candidats:
        if len(pris) >= n:
            break
        lignes = (
            await Courriel.update({Courriel.statut: EN_COURS, Courriel.pris_le: maintenant()})
            .where((Courriel.id == row["id"]) & _du(now))
            .returning(
                Courriel.id, Courriel.destinataire, Courriel.sujet, Courriel.corps, Courriel.tentatives,
                Courriel.cree_le, Courriel.concerne, Courriel.genre,
            )
        )  # fmt: skip
        pris += lignes
    return pris


async def _remettre(settings: Settings, c: dict) -> bool:
    """One delivery attempt of a claimed message; True when delivered."""
    try:
        async with asyncio.timeout(DELAI_REMISE.total_seconds()):
            corps = ouvrir(settings, c["corps"])
            msg = construire(settings, c["destinataire"], c["sujet"], corps, ident=message_id(settings, c["id"], c["cree_le"]))
            await _deposer(settings, msg, c["id"])
    except asyncio.CancelledError:
        # The process is stopping: give the message back now rather than after the claim expires.
        # If the relay had it already, the resend carries the same Message-ID.
        with contextlib.suppress(Exception):
            await asyncio.shield(Courriel.update({Courriel.statut: A_ENVOYER, Courriel.prochain_essai: maintenant()}).where(
                (Courriel.id == c["id"]) & (Courriel.statut == EN_COURS)
            ))  # fmt: skip
        raise
    except Exception as exc:  # noqa: BLE001 - any delivery failure is decided on below
        await _echec(c, exc)
        return False
    await Courriel.update({Courriel.statut: ENVOYE, Courriel.envoye_le: maintenant(), Courriel.corps: ""}).where(Courriel.id == c["id"])
    observabilite.COURRIELS.labels("remis").inc()
    return True


async def _echec(c: dict, exc: BaseException) -> None:
    tentatives = c["tentatives"] + 1
    code = refus_definitif(exc)
    cree_le = c["cree_le"]
    definitif = code is not None or maintenant() - cree_le >= DUREE_DE_VIE
    raison = f"refus définitif du serveur de messagerie ({code})" if code else type(exc).__name__
    # Never the body: it may hold a temporary password.
    log.warning("courriel %s non remis (tentative %s%s) : %s", c["id"], tentatives, ", abandon" if definitif else "", raison)
    observabilite.COURRIELS.labels("abandon" if definitif else "nouvel_essai").inc()
    await Courriel.update(
        {
            Courriel.statut: ECHEC if definitif else A_ENVOYER,
            Courriel.tentatives: tentatives,
            Courriel.prochain_essai: maintenant() + prochain_delai(tentatives),
            Courriel.erreur: raison[:300],
            **({Courriel.corps: ""} if definitif else {}),  # given up: nothing kept to leak
        }
    ).where(Courriel.id == c["id"])
    if definitif and c["concerne"]:
        await _journaliser_echec(c, raison)


async def _journaliser_echec(c: dict, raison: str) -> None:
    from web.acteur import PORTAIL
    from web.journal import journaliser
    from web.tables import Utilisateur

    u = await Utilisateur.select(Utilisateur.organisme).where(Utilisateur.id == c["concerne"]).first()
    detail = f"{c['sujet']} : {c['destinataire']}, {raison}"
    await journaliser("courriel_non_remis", PORTAIL, cible=c["concerne"], organisme=u and u["organisme"], detail=detail)


class Expediteur:
    """Delivers the outbox with up to `parallele` messages in flight."""

    def __init__(self, settings: Settings, parallele: int = PARALLELE) -> None:
        self.settings = settings
        self.parallele = parallele
        self.en_vol: set[asyncio.Task] = set()
        self.remis = 0
        self.fini = asyncio.Event()

    async def tour(self) -> int:
        """Claims what fits in the free places and starts each delivery; returns how many."""
        place = self.parallele - len(self.en_vol)
        if place <= 0:
            return 0
        pris = await reclamer(place)
        for c in pris:
            t = asyncio.create_task(_remettre(self.settings, c))
            self.en_vol.add(t)
            t.add_done_callback(self._termine)
        return len(pris)

    def _termine(self, t: asyncio.Task) -> None:
        self.en_vol.discard(t)
        if not t.cancelled():
            if (exc := t.exception()) is None:
                self.remis += t.result()
            elif panne.est_panne(exc):
                panne.signaler(exc)  # the message stays claimed and is taken back after the lease
            else:
                log.error("remise d'un courriel interrompue", exc_info=exc)
        self.fini.set()

    async def vider(self, limite: int = 100) -> int:
        """Delivers everything due now (at most `limite` claims), then returns how many were delivered."""
        pris = 0
        while True:
            if pris < limite:
                pris += await self.tour() if len(self.en_vol) < self.parallele else 0
            if not self.en_vol:
                return self.remis
            self.fini.clear()
            await self.fini.wait()
            if pris >= limite and not self.en_vol:
                return self.remis

    async def arreter(self, delai: float) -> None:
        """Lets the deliveries in flight finish for `delai` seconds, then gives the rest back."""
        if self.en_vol:
            await asyncio.wait(set(self.en_vol), timeout=delai)
        for t in list(self.en_vol):
            t.cancel()
        if self.en_vol:
            await asyncio.wait(set(self.en_vol))


async def livrer(settings: Settings, limite: int = 100) -> int:
    """Deliver what is due; returns how many messages left."""
    return await Expediteur(settings).vider(limite)


async def boucle_d_envoi(expediteur: Expediteur, intervalle: float = 5.0) -> None:
    """Runs for the life of a `portail serve` process; its deliveries outlive a cancelled loop
    (the caller stops them with `expediteur.arreter`)."""
    await panne.en_boucle(expediteur.tour, lambda: panne.reveil(_reveil, expediteur.fini, delai=intervalle), "envoi des courriels")


# --- Housekeeping (web.menage) ------------------------------------------------------------------

GARDE_REMIS = timedelta(days=30)  # a delivered message's row (recipient, subject, date), its body emptied at once
GARDE_ECHEC = timedelta(days=90)  # a failed one, shown meanwhile to those who may act


async def purger(now: datetime) -> int:
    """Bodies of finished messages emptied (delivery already does; this catches any left), then
    the rows past their retention removed."""
    vides = (
        await Courriel.update({Courriel.corps: ""})
        .where(Courriel.statut.is_in([ENVOYE, ECHEC]) & (Courriel.corps != ""))
        .returning(Courriel.id)
    )
    anciens = (
        await Courriel.delete()
        .where(
            ((Courriel.statut == ENVOYE) & (Courriel.envoye_le < now - GARDE_REMIS))
            | ((Courriel.statut == ECHEC) & (Courriel.prochain_essai < now - GARDE_ECHEC))
        )
        .returning(Courriel.id)
    )
    return len(vides) + len(anciens)
