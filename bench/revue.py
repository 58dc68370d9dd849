"""Revue des habilitations at scale: the queries of the review page for the large employer
(20 000 accounts at scale 1), the Caisse des Dépôts' list over every organisation, and the
housekeeping's pass over unused accounts (the first one, which mails the notices, then a pass
with nothing left to do, the one that runs every hour).

    PORTAIL_DATABASE_URL=sqlite:///var/bench/revue.sqlite python -m bench.revue --echelle 0.05
    scripts/avec-postgresql python -m bench.revue --echelle 1

The base is emptied and filled by bench.generer first. Prints the median of a few runs of each."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import timedelta

from bench.generer import generer
from web.acteur import Acteur
from web.db import moteur
from web.revue import inactivite
from web.revue import service as revue
from web.tables import PRINCIPAL, Courriel, Utilisateur
from web.temps import maintenant

ESSAIS = 5


async def chrono(faire, essais: int = ESSAIS) -> float:
    durees = []
    for _ in range(essais):
        debut = time.perf_counter()
        await faire()
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees)


async def mesurer(echelle: float) -> dict[str, float]:
    jeu = await generer(echelle)
    engine = moteur()
    if engine.engine_type == "postgres":  # as `portail serve` does: without a pool, each query opens a connection
        await engine.start_connection_pool(min_size=1, max_size=4)
    try:
        return await _mesurer(echelle, jeu)
    finally:
        if engine.engine_type == "postgres":
            await engine.close_connection_pool()


async def _mesurer(echelle: float, jeu: dict) -> dict[str, float]:
    rnd = random.Random(15)
    now = maintenant()
    # Organisation 1 (the large employer): last sign-ins spread over two years, one in ten never.
    ids = [u["id"] for u in await Utilisateur.select(Utilisateur.id).where(Utilisateur.organisme == 1)]
    paquets: dict[int, list[int]] = {}
    for uid in ids:  # by 10-day steps, -1: never signed in
        paquets.setdefault(-1 if rnd.random() < 0.1 else rnd.randrange(0, 73), []).append(uid)
    for pas, membres in paquets.items():
        quand = None if pas < 0 else now - timedelta(days=10 * pas)
        await Utilisateur.update({Utilisateur.derniere_connexion: quand}).where(Utilisateur.id.is_in(membres))
    principal = await Utilisateur.objects().where((Utilisateur.organisme == 1) & (Utilisateur.role == PRINCIPAL)).first()
    r = await revue.commencer(Acteur(principal.id, 1, "bench"))
    dernier = max(1, -(-len(ids) // revue.PAR_PAGE))
    resultats = {
        "revue : page 1 (ms)": await chrono(lambda: revue.comptes(r, 1)),
        "revue : dernière page (ms)": await chrono(lambda: revue.comptes(r, dernier)),
        "revue : comptes restants (ms)": await chrono(lambda: revue.restants(r)),
        "revue : échéance (ms)": await chrono(lambda: revue.echeance(1, timedelta(days=365))),
        "CDC : organismes en retard, page 1 (ms)": await chrono(lambda: revue.en_retard(revue.CriteresCdc(), timedelta(days=365))),
    }
    debut = time.perf_counter()
    n = await inactivite.traiter(now)
    resultats["ménage : premier passage (ms)"] = (time.perf_counter() - debut) * 1000
    resultats["ménage : avis envoyés"] = n
    # The passes after it: each takes up to LOT more of a backlog (nothing left: the hourly run).
    suivants = []
    for _ in range(3):
        debut = time.perf_counter()
        faits = await inactivite.traiter(now)
        suivants.append(((time.perf_counter() - debut) * 1000, faits))
    resultats["ménage : passages suivants, médiane (ms)"] = statistics.median(d for d, _ in suivants)
    resultats["ménage : avis et suspensions de chacun"] = " / ".join(str(f) for _, f in suivants)
    resultats["courriels en file"] = await Courriel.count()
    resultats["comptes de l'organisme 1"] = len(ids)
    print(f"{jeu['moteur']}, échelle {echelle} :")
    return resultats


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Mesure la revue des habilitations et le ménage des comptes inutilisés.")
    p.add_argument("--echelle", type=float, default=0.05, help="1 : 5 000 organismes, 100 000 gestionnaires dont 20 000 dans un organisme")
    a = p.parse_args(argv)
    for nom, valeur in asyncio.run(mesurer(a.echelle)).items():
        print(f"  {nom} : {valeur:.1f}" if isinstance(valeur, float) else f"  {nom} : {valeur}")


if __name__ == "__main__":
    main()
