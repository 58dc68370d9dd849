"""argon2id's working memory (19 MiB per hash) is handed back to the system once a burst of
sign-ins is over, never while one runs (each hash would then fault its memory in afresh)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

from web.comptes import hachage
from web.settings import ROOT


async def test_la_memoire_est_rendue_une_fois_la_rafale_finie(monkeypatch):
    rendue = []
    rendre = hachage._rendre_la_memoire

    def noter(tous):
        rendue.append(threading.current_thread().name)
        rendre(tous)

    monkeypatch.setattr(hachage, "RENDRE_APRES", 0.3)
    monkeypatch.setattr(hachage, "_rendre_la_memoire", noter)
    h = await hachage.hacher("mot de passe")

    for _ in range(3):  # a burst: hashes close together, two at a time
        assert all(await asyncio.gather(*(hachage.verifier(h, "mot de passe") for _ in range(2))))
        await asyncio.sleep(0.05)
    assert rendue == []  # not between two hashes of the burst
    await asyncio.sleep(0.6)
    # Once, off the event loop, on each hashing thread (each hands back its own arena).
    assert len(rendue) == len(set(rendue)) == hachage.FILS and all(n.startswith("argon2") for n in rendue)

    # A hash within the delay puts it off again.
    await hachage.verifier(h, "autre")
    await asyncio.sleep(0.1)
    await hachage.verifier(None, "inconnu")
    await asyncio.sleep(0.6)
    assert len(rendue) == 2 * hachage.FILS


MESURE = """
import asyncio, os
from concurrent.futures import ThreadPoolExecutor
from bench.listes import rss_mio
from web.comptes import hachage

hachage.FILS = 2  # as on two cores
hachage._FILS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")

def rss():
    return rss_mio(os.getpid())

async def main():
    h = hachage.HASHER.hash("x")
    for _ in range(3):
        await asyncio.gather(*(hachage.verifier(h, "x") for _ in range(2)))
    apres = rss()
    await asyncio.sleep(hachage.RENDRE_APRES + 0.5)
    print(apres, rss())

asyncio.run(main())
"""


def test_la_memoire_du_processus_baisse_apres_la_rafale():
    """In a fresh process, as an operator reads it: the resident memory falls once idle."""
    r = subprocess.run([sys.executable, "-c", MESURE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    apres, repos = map(float, r.stdout.split())
    assert apres - repos >= 30, (apres, repos)  # each of the two threads' 19 MiB
