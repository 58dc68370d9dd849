"""OWASP's device cookies: a browser that signed in to an identifiant carries a signed proof of it,
and its failures are counted apart from everyone else's, so a stranger's guesses never lock it out.

The cookie holds up to five entries, one per identifiant signed in from this browser, most recent
first: IDENTIFIANT:NONCE:SIGNATURE, where the signature is an HMAC-SHA256 of "IDENTIFIANT:NONCE"
with a key derived from PORTAIL_SECRET_KEY. The nonce names the device in the failure counters."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from litestar import Request
from litestar.datastructures import Cookie

from web.cles import deriver

COOKIE = "portail_appareil"
ENTREES_MAX = 5
DUREE = 365 * 24 * 3600  # seconds


def _signature(secret: str, identifiant: str, nonce: str) -> str:
    mac = hmac.new(deriver(secret, "appareil"), f"{identifiant}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _entrees(secret: str, valeur: str | None) -> list[tuple[str, str]]:
    """The (identifiant, nonce) pairs whose signature holds; anything else is ignored."""
    if not valeur or len(valeur) > 1000 or not valeur.isascii():
        return []
    sorties = []
    for entree in valeur.split(".")[:ENTREES_MAX]:
        morceaux = entree.split(":")
        if len(morceaux) != 3:
            continue
        identifiant, nonce, signature = morceaux
        if hmac.compare_digest(signature, _signature(secret, identifiant, nonce)):
            sorties.append((identifiant, nonce))
    return sorties


def appareil(request: Request, identifiant: str) -> str | None:
    """The nonce of this browser for `identifiant` if it signed in to it before, else None (untrusted)."""
    secret = request.app.state.settings.secret_key
    return next((n for i, n in _entrees(secret, request.cookies.get(COOKIE)) if i == identifiant), None)


def cookie(request: Request, identifiant: str) -> Cookie:
    """The cookie to set after a successful sign-in to `identifiant`: its entry first (same nonce
    if it had one), then the others this browser holds."""
    settings = request.app.state.settings
    entrees = _entrees(settings.secret_key, request.cookies.get(COOKIE))
    nonce = next((n for i, n in entrees if i == identifiant), None) or secrets.token_urlsafe(16)
    garder = [(identifiant, nonce)] + [(i, n) for i, n in entrees if i != identifiant]
    valeur = ".".join(f"{i}:{n}:{_signature(settings.secret_key, i, n)}" for i, n in garder[:ENTREES_MAX])
    return Cookie(key=COOKIE, value=valeur, max_age=DUREE, httponly=True, samesite="lax", secure=settings.production, path="/")
