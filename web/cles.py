"""Keys derived from PORTAIL_SECRET_KEY, one per use (HKDF-SHA256), so that no two uses share a key."""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@cache
def deriver(secret: str, usage: str) -> bytes:
    """32 bytes for `usage` ("appareil", "courriels"…); the same secret gives the same key in every instance."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"portail gestionnaire : {usage}".encode()).derive(secret.encode())
