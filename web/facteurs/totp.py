"""One-time codes (RFC 6238: 30 s, 6 digits, SHA-1 as every authenticator app reads them) and
recovery codes: generation, sealing, checking. No database here (web.facteurs.service)."""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from functools import cache

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken

from web.cles import deriver

PERIODE = 30
CHIFFRES = 6
DERIVE = 1  # steps of clock drift accepted either way

# Recovery codes: 10 characters without look-alikes (0/O, 1/I/L), about 50 bits each.
ALPHABET_SECOURS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LONGUEUR_SECOURS = 10
NOMBRE_SECOURS = 10


def nouveau_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, RFC 4226's recommended length


@cache
def _fernet(cle_secrete: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(deriver(cle_secrete, "totp")))


def sceller(cle_secrete: str, secret: str) -> str:
    """The secret as stored: encrypted with a key derived from PORTAIL_SECRET_KEY."""
    return _fernet(cle_secrete).encrypt(secret.encode()).decode()


def ouvrir(cle_secrete: str, scelle: str) -> str | None:
    try:
        return _fernet(cle_secrete).decrypt(scelle.encode()).decode()
    except InvalidToken:
        return None


def pas_courant(instant: float | None = None) -> int:
    return int((time.time() if instant is None else instant) // PERIODE)


def code_du_pas(secret: str, pas: int) -> str:
    return pyotp.TOTP(secret, digits=CHIFFRES, interval=PERIODE).generate_otp(pas)


def pas_du_code(secret: str, code: str, instant: float | None = None) -> int | None:
    """The time step whose code is `code`, within DERIVE steps of now, or None. The newest step
    wins; every candidate is compared in constant time."""
    if len(code) != CHIFFRES or not code.isascii() or not code.isdigit():
        return None
    courant = pas_courant(instant)
    trouve = None
    for pas in range(courant - DERIVE, courant + DERIVE + 1):
        if hmac.compare_digest(code_du_pas(secret, pas), code):
            trouve = pas
    return trouve


def normaliser_code(saisie: str) -> str:
    """What a person types: spaces and dashes dropped, upper-cased, bounded."""
    return "".join(c for c in saisie[:40] if c not in " -\t").upper()


def est_code_totp(code: str) -> bool:
    return len(code) == CHIFFRES and code.isascii() and code.isdigit()


def codes_de_secours() -> list[str]:
    return ["".join(secrets.choice(ALPHABET_SECOURS) for _ in range(LONGUEUR_SECOURS)) for _ in range(NOMBRE_SECOURS)]


def affiche_secours(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def est_code_secours(code: str) -> bool:
    return len(code) == LONGUEUR_SECOURS and all(c in ALPHABET_SECOURS for c in code)


def uri(secret: str, identifiant: str, emetteur: str) -> str:
    """The application lists the account as `emetteur` (the service's name) and `identifiant`."""
    return pyotp.TOTP(secret, digits=CHIFFRES, interval=PERIODE).provisioning_uri(name=identifiant, issuer_name=emetteur)


def secret_lisible(secret: str) -> str:
    """Grouped by 4, for those who type it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(texte: str) -> str:
    """The QR code as inline SVG markup (no style attribute, no data: URL: the CSP stays as it is),
    named for assistive technologies."""
    svg = segno.make(texte, error="m").svg_inline(scale=5, border=4, svgclass="qr", lineclass=None, title="Code QR à scanner")
    return svg.replace("<svg ", '<svg role="img" ', 1)
