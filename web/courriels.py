"""Outgoing mail through an outbox table.

A message is inserted in the same transaction as the change that causes it, then a
sender delivers it: by SMTP when PORTAIL_SMTP_URL is set, else as an .eml file under
var/courriels/. Each row is claimed by a conditional UPDATE before sending, so two
instances never send the same message; a failed delivery is retried later.

A body may hold a temporary password: it is stored sealed (Fernet, with a key derived from
PORTAIL_SECRET_KEY), opened only to build the message, and wiped once delivered or given up.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from urllib.parse import urlparse

import aiosmtplib
from cryptography.fernet import Fernet

from web.cles import deriver
from web.settings import Settings
from web.tables import Courriel
from web.temps import maintenant

log = logging.getLogger("portail.courriels")

A_ENVOYER, EN_COURS, ENVOYE, ECHEC = "a_envoyer", "en_cours", "envoye", "echec"
MAX_TENTATIVES = 10
# A row claimed longer ago than this belongs to a sender that died: take it back.
RECLAMATION = timedelta(minutes=10)

_reveil = asyncio.Event()


async def mettre_en_file(destinataire: str, sujet: str, corps: str) -> None:
    """Call inside the transaction of the change the message is about."""
    scelle = sceller(Settings.from_env().secret_key, corps)
    await Courriel.insert(Courriel(destinataire=destinataire, sujet=sujet, corps=scelle, prochain_essai=maintenant()))


@cache
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(deriver(secret, "courriels")))


def sceller(secret: str, corps: str) -> str:
    """The body as stored: never in clear."""
    return _fernet(secret).encrypt(corps.encode()).decode()


def ouvrir(settings: Settings, corps: str) -> str:
    """The body to send. A Fernet token always starts with "gAAAAA"; a row queued before bodies
    were sealed is sent as it was."""
    if not corps.startswith("gAAAAA"):
        return corps
    return _fernet(settings.secret_key).decrypt(corps.encode()).decode()


def reveiller() -> None:
    """Tell the background sender there is mail, once the transaction has committed."""
    _reveil.set()


def construire(settings: Settings, destinataire: str, sujet: str, corps: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = destinataire
    msg["Subject"] = sujet
    msg["Date"] = format_datetime(maintenant())
    msg["Message-ID"] = make_msgid(domain="portail.invalid")
    msg.set_content(corps)
    return msg


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
            timeout=15,
        )
        return
    dossier = settings.courriels_dir
    dossier.mkdir(parents=True, exist_ok=True)
    nom = re.sub(r"[^A-Za-z0-9@._-]", "_", str(msg["To"]))
    chemin = dossier / f"{maintenant():%Y%m%dT%H%M%S}-{id_:06d}-{nom}.eml"
    chemin.write_bytes(bytes(msg))


async def livrer(settings: Settings, limite: int = 100) -> int:
    """Deliver what is due; returns how many messages left."""
    now = maintenant()
    candidats = (
        await Courriel.select(Courriel.id)
        .where(
            ((Courriel.statut == A_ENVOYER) & (Courriel.prochain_essai <= now))
            | ((Courriel.statut == EN_COURS) & (Courriel.pris_le < now - RECLAMATION))
        )
        .order_by(Courriel.id)
        .limit(limite)
    )
    envoyes = 0
    for row in candidats:
        pris = (
            await Courriel.update({Courriel.statut: EN_COURS, Courriel.pris_le: maintenant()})
            .where(
                (Courriel.id == row["id"])
                & ((Courriel.statut == A_ENVOYER) | ((Courriel.statut == EN_COURS) & (Courriel.pris_le < now - RECLAMATION)))
            )
            .returning(Courriel.id, Courriel.destinataire, Courriel.sujet, Courriel.corps, Courriel.tentatives)
        )
        if not pris:
            continue  # another instance has it
        c = pris[0]
        try:
            await _deposer(settings, construire(settings, c["destinataire"], c["sujet"], ouvrir(settings, c["corps"])), c["id"])
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried
            tentatives = c["tentatives"] + 1
            # Never log the body: it may hold a temporary password.
            log.warning("courriel %s non remis (tentative %s) : %s", c["id"], tentatives, type(exc).__name__)
            final = tentatives >= MAX_TENTATIVES
            await Courriel.update(
                {
                    Courriel.statut: ECHEC if final else A_ENVOYER,
                    Courriel.tentatives: tentatives,
                    Courriel.prochain_essai: maintenant() + timedelta(seconds=min(30 * 2**tentatives, 3600)),
                    Courriel.erreur: type(exc).__name__[:300],
                    **({Courriel.corps: ""} if final else {}),  # given up: nothing kept to leak
                }
            ).where(Courriel.id == c["id"])
            continue
        await Courriel.update({Courriel.statut: ENVOYE, Courriel.envoye_le: maintenant(), Courriel.corps: ""}).where(Courriel.id == c["id"])
        envoyes += 1
    return envoyes


async def boucle_d_envoi(settings: Settings, intervalle: float = 5.0) -> None:
    """Runs for the life of a `portail serve` process."""
    while True:
        try:
            await livrer(settings)
        except Exception:
            log.exception("envoi des courriels interrompu")
        try:
            await asyncio.wait_for(_reveil.wait(), timeout=intervalle)
        except TimeoutError:
            pass
        _reveil.clear()
