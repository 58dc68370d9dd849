"""The SQLite engine: Piccolo's stock SQLiteEngine against the portal's MoteurSQLite (web.db), on
the same file and the same statements: a read by primary key one at a time, the same reads from
20 tasks at once, a write transaction (BEGIN IMMEDIATE, insert, update), and a batch() read with a
WHERE clause. Writes var/bench/sqlite_moteur.json; with --rapport, its section of RESULTS.md.

    python -m bench.sqlite_moteur [--requetes 2000] [--rapport bench/RESULTS.md]"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import piccolo
from piccolo.columns import Integer, Varchar
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from bench import SORTIES
from web.db import MoteurSQLite
from web.settings import ROOT

LIGNES = 1000


def moteurs(chemin: str) -> dict[str, SQLiteEngine]:
    return {"stock": SQLiteEngine(path=chemin, timeout=30), "portail": MoteurSQLite(path=chemin, timeout=30)}


async def chronometrer(n: int, action, parallele: int = 1) -> dict:
    """`n` calls of action(i), by `parallele` tasks; latencies in ms and calls per second."""
    durees: list[float] = []

    async def tache(debut: int) -> None:
        for i in range(debut, n, parallele):
            t = time.perf_counter()
            await action(i)
            durees.append((time.perf_counter() - t) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(tache(k) for k in range(parallele)))
    total = time.perf_counter() - t0
    durees.sort()
    return {
        "par_seconde": round(n / total, 1),
        "p50_ms": round(statistics.median(durees), 3),
        "p95_ms": round(durees[int(0.95 * (len(durees) - 1))], 3),
    }


async def mesurer(moteur: SQLiteEngine, n: int) -> dict:
    class Mesure(Table, tablename="mesure", db=moteur):
        valeur = Integer()
        nom = Varchar(length=40)

    async def lire(i: int) -> None:
        rows = await moteur.run_querystring(QueryString("SELECT id, nom FROM mesure WHERE id = {}", i % LIGNES + 1))
        assert rows, "ligne absente"

    async def ecrire(i: int) -> None:
        async with moteur.transaction(transaction_type=TransactionType.immediate):
            await moteur.run_querystring(QueryString("INSERT INTO mesure (valeur, nom) VALUES ({}, {})", i, f"ajout {i}"))
            await moteur.run_querystring(QueryString("UPDATE mesure SET valeur = valeur + 1 WHERE id = {}", i % LIGNES + 1))

    resultat = {
        "lecture": await chronometrer(n, lire),
        "lecture_20_taches": await chronometrer(n, lire, parallele=20),
        "ecriture": await chronometrer(max(1, n // 10), ecrire),
    }
    lot = await Mesure.select(Mesure.id).where(Mesure.valeur >= 0).batch(batch_size=100)
    try:
        lues = 0
        async with lot:
            async for paquet in lot:
                lues += len(paquet)
        resultat["batch"] = f"{lues} lignes lues"
    except Exception as exc:  # noqa: BLE001 - what the stock engine does is the measure
        resultat["batch"] = f"échec : {type(exc).__name__}: {str(exc)[:80]}"
        await lot.connection.close()  # its thread would hold the process open
    return resultat


async def mesurer_tout(n: int) -> dict:
    with tempfile.TemporaryDirectory() as dossier:
        chemin = str(Path(dossier) / "mesure.sqlite")
        cx = sqlite3.connect(chemin)
        cx.execute("PRAGMA journal_mode=WAL")
        cx.execute("CREATE TABLE mesure (id INTEGER PRIMARY KEY, valeur INTEGER NOT NULL, nom VARCHAR(40) NOT NULL)")
        cx.executemany("INSERT INTO mesure (valeur, nom) VALUES (?, ?)", [(i, f"ligne {i}") for i in range(LIGNES)])
        cx.commit()
        cx.close()
        return {nom: await mesurer(m, n) for nom, m in moteurs(chemin).items()}


def section(res: dict) -> list[str]:
    """The lines of RESULTS.md for this measure (bench.rapport calls it too)."""
    m = res["mesures"]
    lignes = [
        "## Moteur SQLite : Piccolo tel quel contre le moteur du portail",
        "",
        f"`python -m bench.sqlite_moteur --requetes {res['requetes']}` : même fichier (WAL), mêmes requêtes, SQLite "
        f"{res['sqlite']}, Piccolo {res['piccolo']}. « Piccolo tel quel » ouvre une connexion (et son fil) par requête ; "
        "le moteur du portail (`web.db.MoteurSQLite`) prête des connexions aiosqlite gardées.",
        "",
        "| mesure | Piccolo tel quel | moteur du portail |",
        "|---|---:|---:|",
    ]
    for cle, libelle in (("lecture", "lecture par clé, une à la fois"), ("lecture_20_taches", "la même, 20 tâches à la fois"),
                         ("ecriture", "transaction d'écriture (insertion + mise à jour)")):  # fmt: skip
        s, p = m["stock"][cle], m["portail"][cle]
        lignes.append(f"| {libelle} | {s['par_seconde']:g}/s (p50 {s['p50_ms']:g} ms, p95 {s['p95_ms']:g} ms) | "
                      f"{p['par_seconde']:g}/s (p50 {p['p50_ms']:g} ms, p95 {p['p95_ms']:g} ms) |")  # fmt: skip
    lignes.append(f"| `batch()` avec un WHERE | {m['stock']['batch']} | {m['portail']['batch']} |")
    return lignes


def inscrire(rapport: Path, res: dict) -> None:
    """Replaces this measure's section of RESULTS.md (or appends it), leaving the rest as it was."""
    texte = rapport.read_text() if rapport.exists() else ""
    titre = "## Moteur SQLite"
    avant, _, reste = texte.partition(titre)
    apres = reste[reste.find("\n## ") :] if titre in texte and "\n## " in reste else ""
    rapport.write_text(avant.rstrip() + "\n\n" + "\n".join(section(res)) + "\n" + apres)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Mesure le moteur SQLite de Piccolo contre celui du portail.")
    p.add_argument("--requetes", type=int, default=2000)
    p.add_argument("--rapport", type=Path, help="met à jour sa section de ce fichier (bench/RESULTS.md)")
    a = p.parse_args(argv)
    res = {
        "requetes": a.requetes,
        "sqlite": sqlite3.sqlite_version,
        "piccolo": piccolo.__VERSION__,
        "python": platform.python_version(),
        "mesures": asyncio.run(mesurer_tout(a.requetes)),
    }
    SORTIES.mkdir(parents=True, exist_ok=True)
    (SORTIES / "sqlite_moteur.json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
    print("\n".join(section(res)))
    if a.rapport:
        inscrire(a.rapport if a.rapport.is_absolute() else ROOT / a.rapport, res)


if __name__ == "__main__":
    main()
