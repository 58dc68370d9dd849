"""argon2id hashing, always off the event loop."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum for argon2id (2023): m = 19 MiB, t = 2, p = 1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)

# Verified when the identifiant is unknown, so that an unknown identifiant costs
# exactly as long as a wrong password.
_LEURRE = HASHER.hash("leurre-pour-identifiant-inconnu-0")

# One hashing thread per core: more would only share the cores while each holds its 19 MiB
# (and thrashes the caches); the others wait in line. It also bounds the memory a burst of
# sign-ins can take. An executor of its own works from any event loop.
_FILS = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")


async def _en_fil(fonction, *args):
    return await asyncio.get_running_loop().run_in_executor(_FILS, fonction, *args)


async def hacher(mot_de_passe: str) -> str:
    return await _en_fil(HASHER.hash, mot_de_passe)


def _verifier(hash_: str, mot_de_passe: str) -> bool:
    try:
        return HASHER.verify(hash_, mot_de_passe)
    except (VerificationError, InvalidHashError):
        return False


async def verifier(hash_: str | None, mot_de_passe: str) -> bool:
    """True when the password matches. With hash_=None, burns the same time and says no."""
    if hash_ is None:
        await _en_fil(_verifier, _LEURRE, mot_de_passe)
        return False
    return await _en_fil(_verifier, hash_, mot_de_passe)
