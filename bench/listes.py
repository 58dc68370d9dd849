"""« Gérer les habilitations » at scale, on its own (issue 15): the list with each filter and sort
(server-time percentiles and query plans), and « Exporter la liste » of the large organisation
(20 000 gestionnaires at scale 1): its time and the server's memory while it streams.

    PORTAIL_DATABASE_URL=sqlite:///$PWD/var/bench/portail.sqlite .venv/bin/python -m bench.listes --echelle 1
    scripts/avec-postgresql .venv/bin/python -m bench.listes --echelle 1
    make bench-listes ECHELLE=0.01   # a quick look

`make bench` runs the same measures among the others (bench.lancer)."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from pathlib import Path

from bench import SORTIES
from bench.client import EchecRequete
from bench.lancer import banc_filtres, client_connecte, frappes, moteur_et_jeu, plans, portail


def rss_mio(pid: int) -> float:
    etat = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", etat).group(1)) / 1024


async def banc_export(port: int, pid: int, jeu: dict, fois: int = 3) -> dict:
    """The whole export of the large organisation, `fois` times: wall time as the client reads it,
    lines and bytes, and the server's resident memory before and at its highest while it streams
    (sampled every 5 ms: the stream is expected to leave it flat)."""
    admin = await client_connecte(port, jeu["grand_principal"], jeu["mot_de_passe"])
    mesures = []
    for _ in range(fois):
        avant = rss_mio(pid)
        pic = avant
        debut = time.perf_counter()
        tache = asyncio.create_task(admin.requete("GET", "/habilitations/export"))
        while not tache.done():
            pic = max(pic, rss_mio(pid))
            await asyncio.sleep(0.005)
        r = tache.result()
        secondes = time.perf_counter() - debut
        if r.statut != 200 or not r.corps.startswith(b"\xef\xbb\xbf"):
            raise EchecRequete(f"export : {r.statut}")
        mesures.append({"secondes": round(secondes, 3), "rss_avant_mio": round(avant, 1), "rss_pic_mio": round(pic, 1)})
    lignes = r.corps.count(b"\r\n") - 1
    return {
        "lignes": lignes,
        "octets": len(r.corps),
        "mesures": mesures,
        "secondes_min": min(m["secondes"] for m in mesures),
        "lignes_par_seconde": round(lignes / min(m["secondes"] for m in mesures)),
        "rss_hausse_max_mio": round(max(m["rss_pic_mio"] - m["rss_avant_mio"] for m in mesures), 1),
    }


async def lancer(echelle: float, n: int, generer: bool) -> dict:
    moteur, jeu = await moteur_et_jeu(echelle, generer)
    serveur = portail(f"listes-{moteur}")
    try:
        await serveur.pret()
        admin = await client_connecte(serveur.port, jeu["grand_principal"], jeu["mot_de_passe"])
        print(f"[{moteur}] listes filtrées et triées…", flush=True)
        res = {"moteur": moteur, "echelle": echelle, "filtres": await banc_filtres(admin, frappes(random.Random(7), n), n)}
        print(f"[{moteur}] export…", flush=True)
        res["export"] = await banc_export(serveur.port, serveur.proc.pid, jeu)
        res["plans"] = await plans(jeu)
    finally:
        serveur.arreter()
    sortie = SORTIES / f"listes-{moteur}.json"
    sortie.write_text(json.dumps(res, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in res.items() if k != "plans"}, ensure_ascii=False, indent=1))
    print(f"[{moteur}] résultats : {sortie}", flush=True)
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Listes de gestionnaires (filtres, tris) et export, sur le moteur de PORTAIL_DATABASE_URL.")
    p.add_argument("--echelle", type=float, default=1.0, help="1 : l'organisme de 20 000 gestionnaires")
    p.add_argument("--requetes", type=int, default=1000, help="requêtes de chaque filtre ou tri")
    p.add_argument("--sans-generer", action="store_true", help="réutiliser la base déjà générée")
    a = p.parse_args(argv)
    asyncio.run(lancer(a.echelle, a.requetes, not a.sans_generer))


if __name__ == "__main__":
    main()
