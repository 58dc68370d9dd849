"""The outbox (nothing lost or half-written): a message is queued by `mettre_en_file`
inside the transaction of the change it is about, its body sealed (Fernet, with a key derived from
PORTAIL_SECRET_KEY: it may hold a temporary password); web.courriels delivers it. Services need
only this module: queue, then `reveiller` the sender once the transaction has committed."""

from __future__ import annotations

import asyncio
import base64
from functools import cache

from cryptography.fernet import Fernet

from web.cles import deriver
from web.settings import Settings
from web.tables import Courriel
from web.temps import maintenant

# What a message is about (Courriel.genre), for those who must see its failure.
MOT_DE_PASSE = "mot_de_passe"

_reveil = asyncio.Event()


async def mettre_en_file(destinataire: str, sujet: str, corps: str, *, concerne: int | None = None, genre: str = "") -> None:
    """Call inside the transaction of the change the message is about. `concerne`: the person
    the message is about (a temporary password's owner), so that its failure reaches those who
    may act."""
    scelle = sceller(Settings.from_env().secret_key, corps)
    await Courriel.insert(
        Courriel(destinataire=destinataire, sujet=sujet, corps=scelle, prochain_essai=maintenant(), concerne=concerne, genre=genre)
    )


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
