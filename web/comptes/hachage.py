"""argon2id hashing, always off the event loop."""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
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
FILS = os.cpu_count() or 1
_FILS = ThreadPoolExecutor(max_workers=FILS, thread_name_prefix="argon2")


# Each hash takes 19 MiB, which glibc's malloc keeps in the hashing thread's arena once freed, for
# the next hash: 30 to 40 MiB per process after a burst of sign-ins (bench/RESULTS.md). Handing it
# back after every hash costs a quarter of argon2id's rate; so it is handed back once no hash has
# run for this long, when a burst is over.
RENDRE_APRES = 1.0
_en_cours = 0
_rendre: asyncio.TimerHandle | None = None

# malloc_trim(0) hands back the free memory of every arena but the top of a thread's own heap,
# where a hash's 19 MiB sits. That top shrinks only when a block next to it is freed while it
# exceeds M_TRIM_THRESHOLD. glibc itself raises that threshold to twice the largest block freed
# (a hash's), which is what keeps the memory between hashes; setting it freezes that, so it is
# set back to the same value once the hand-back is done.
_M_TRIM_THRESHOLD = -1
_GARDER = 2 * HASHER.memory_cost * 1024
_POUSSE = 256 * 1024  # above malloc's fast bins, below a hash: taken from the top and freed into it
try:
    _libc = ctypes.CDLL(None)
    _malloc_trim, _mallopt, _malloc, _free = _libc.malloc_trim, _libc.mallopt, _libc.malloc, _libc.free
    _malloc.restype, _free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
except (OSError, AttributeError):  # not glibc: the memory is simply kept
    _malloc_trim = None


def _rendre_la_memoire(tous: threading.Barrier) -> None:
    """Run on each hashing thread at once (hence the barrier: each thread owns its arena)."""
    try:
        tous.wait(1)  # its action has lowered the threshold for all
        _free(_malloc(_POUSSE))
        # All have freed before any sets the threshold back (the action lowers it again: harmless).
        if tous.wait(1) == 0:
            _malloc_trim(0)
    except threading.BrokenBarrierError:  # a thread was busy: the next idle spell does it
        pass
    finally:
        _mallopt(_M_TRIM_THRESHOLD, _GARDER)


def _rendre_partout() -> None:
    tous = threading.Barrier(FILS, action=lambda: _mallopt(_M_TRIM_THRESHOLD, 0))
    for _ in range(FILS):
        _FILS.submit(_rendre_la_memoire, tous)


async def _en_fil(fonction, *args):
    global _en_cours, _rendre
    loop = asyncio.get_running_loop()
    if _rendre is not None:
        _rendre.cancel()
        _rendre = None
    _en_cours += 1
    try:
        return await loop.run_in_executor(_FILS, fonction, *args)
    finally:
        _en_cours -= 1
        if _en_cours == 0 and _malloc_trim is not None:
            _rendre = loop.call_later(RENDRE_APRES, _rendre_partout)


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
