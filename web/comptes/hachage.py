"""argon2id hashing, always off the event loop."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum for argon2id (2023): m = 19 MiB, t = 2, p = 1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)

# Verified when the identifiant is unknown, so that an unknown identifiant costs
# exactly as long as a wrong password.
_LEURRE = HASHER.hash("leurre-pour-identifiant-inconnu-0")


async def hacher(mot_de_passe: str) -> str:
    return await anyio.to_thread.run_sync(HASHER.hash, mot_de_passe)


def _verifier(hash_: str, mot_de_passe: str) -> bool:
    try:
        return HASHER.verify(hash_, mot_de_passe)
    except (VerificationError, InvalidHashError):
        return False


async def verifier(hash_: str | None, mot_de_passe: str) -> bool:
    """True when the password matches. With hash_=None, burns the same time and says no."""
    if hash_ is None:
        await anyio.to_thread.run_sync(_verifier, _LEURRE, mot_de_passe)
        return False
    return await anyio.to_thread.run_sync(_verifier, hash_, mot_de_passe)
