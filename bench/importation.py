"""« Importer des gestionnaires » at scale: a file of N lines (1 000 by default) checked (first
pass: read, every line checked with the add form's rules, the report stored), then created
(« Créer les comptes »: one transaction per line, argon2id hash of the temporary password, the
mail queued, the journal). The service itself, as the request and the background task call it;
no HTTP. Writes var/bench/importation-<engine>.json and prints the times.

    python -m bench.importation [--lignes 1000]                       # on a fresh SQLite file
    scripts/avec-postgresql python -m bench.importation --lignes 1000  # on a throwaway cluster
    python -m bench.importation --rapport bench/RESULTS.md             # its section, from the runs' files
    make bench-import LIGNES=1000                                      # both engines, then the section

Run it alone on a quiet machine: it uses one core (argon2id dominates the creation)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import SORTIES
from web.settings import ROOT


def fichier(n: int) -> bytes:
    """N distinct gestionnaires, in 20 units (created on the fly by the first line of each), levels mixed."""
    niveaux = ["consultation", "creation", "validation", "cloture", ""]
    lignes = ["civilite;prenom;nom;courriel;telephone_fixe;telephone_portable;fonction;unite;niveau;administrateur_delegue"]
    for i in range(n):
        lignes.append(
            f"{'Mme' if i % 2 else 'M.'};Prénom{i};Nom{i};agent{i}@banc.example;01 23 45 67 89;;Gestionnaire;"
            f"Unité {i % 20};{niveaux[i % 5]};non"
        )
    return ("\r\n".join(lignes) + "\r\n").encode()


async def mesurer(n: int) -> dict:
    from stdnum import luhn

    from web.habilitations import service as regles
    from web.importation import service
    from web.importation.forms import lire_fichier
    from web.organismes.forms import FormInscription
    from web.organismes.service import inscrire
    from web.settings import Settings
    from web.tables import Utilisateur

    settings = Settings.from_env()
    siren = f"{time.time_ns() % 10**8:08d}"
    siren += luhn.calc_check_digit(siren)
    siret = siren + "0001"
    siret += luhn.calc_check_digit(siret)
    form = FormInscription.lire(
        {"siret": siret, "raison_sociale": "BANC IMPORT", "type": "operateur", "civilite": "Mme", "prenom": "Anne",
         "nom": "Banc", "courriel": f"banc.{time.time_ns()}@banc.example", "telephone": "0123456789"}
    )  # fmt: skip
    principal = await inscrire(settings, form.inscription())
    moi = await Utilisateur.objects().where(Utilisateur.id == principal.id).first()
    contenu = fichier(n)

    t0 = time.perf_counter()
    lignes = lire_fichier(contenu)
    t1 = time.perf_counter()
    verdicts = await service.verifier(regles, moi, lignes)
    t2 = time.perf_counter()
    imp_id = await service.enregistrer(moi, verdicts)
    t3 = time.perf_counter()
    imp = await service.ImportGestionnaires.objects().where(service.ImportGestionnaires.id == imp_id).first()
    assert await service.confirmer(imp, "banc") and await service.prendre(imp_id)
    bilan = await service.executer(regles, settings, imp_id)
    t4 = time.perf_counter()
    # The same file again: every line « déjà présent », nothing created.
    verdicts2 = await service.verifier(regles, moi, lire_fichier(contenu))
    t5 = time.perf_counter()
    assert bilan.get(service.CREE) == n and all(v.statut == service.PRESENT for v in verdicts2), bilan
    return {
        "lignes": n,
        "octets": len(contenu),
        "lecture_ms": round((t1 - t0) * 1000, 1),
        "verification_ms": round((t2 - t1) * 1000, 1),
        "enregistrement_ms": round((t3 - t2) * 1000, 1),
        "premier_passage_ms": round((t3 - t0) * 1000, 1),
        "creation_ms": round((t4 - t3) * 1000, 1),
        "creation_par_ligne_ms": round((t4 - t3) * 1000 / n, 2),
        "second_passage_ms": round((t5 - t4) * 1000, 1),
        "crees": bilan.get(service.CREE, 0),
    }


TITRE = "## Importer des gestionnaires"


def section(resultats: list[dict]) -> list[str]:
    """The lines of RESULTS.md for this measure, one row per engine measured."""
    lignes = [
        TITRE,
        "",
        "`make bench-import LIGNES=…` (`bench/importation.py`) : le service lui-même, sans HTTP. Premier passage : lecture du "
        "fichier, chaque ligne vérifiée (formulaire et règles de « Ajouter un gestionnaire »), rapport enregistré. Création : "
        "une transaction par ligne (unité créée au besoin, compte, hachage argon2id du mot de passe temporaire, courriel mis "
        "en file, journal). Second passage : le même fichier vérifié à nouveau, toutes ses lignes « déjà présentes ».",
        "",
        "| moteur | lignes | premier passage | création | par ligne | second passage |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in resultats:
        lignes.append(
            f"| {r['moteur']} | {r['lignes']} | {r['premier_passage_ms'] / 1000:.2f} s | {r['creation_ms'] / 1000:.1f} s | "
            f"{r['creation_par_ligne_ms']:g} ms | {r['second_passage_ms'] / 1000:.2f} s |"
        )
    return lignes


def inscrire(rapport: Path) -> None:
    """Replaces this measure's section of RESULTS.md (or appends it), leaving the rest as it was."""
    resultats = [json.loads(f.read_text()) for f in sorted(SORTIES.glob("importation-*.json"))]
    if not resultats:
        raise SystemExit(f"Aucune mesure dans {SORTIES} : lancez d'abord python -m bench.importation.")
    texte = rapport.read_text() if rapport.exists() else ""
    avant, _, reste = texte.partition(TITRE)
    apres = reste[reste.find("\n## ") :] if TITRE in texte and "\n## " in reste else ""
    rapport.write_text(avant.rstrip() + "\n\n" + "\n".join(section(resultats)) + "\n" + apres)
    print(f"Section écrite : {rapport}")


async def avec_le_pool(n: int) -> dict:
    """On PostgreSQL, with a connection pool, as `portail serve` runs (web.app)."""
    from piccolo.engine.postgres import PostgresEngine

    from web.db import moteur

    engine = moteur()
    pool = isinstance(engine, PostgresEngine)
    if pool:
        await engine.start_connection_pool(min_size=2, max_size=20)
    try:
        return await mesurer(n)
    finally:
        if pool:
            await engine.close_connection_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description="Banc d'essai de « Importer des gestionnaires ».")
    parser.add_argument("--lignes", type=int, default=1000, help="lignes du fichier (2 000 au plus, la limite du portail)")
    parser.add_argument("--rapport", type=Path, help="écrit seulement la section de ce fichier (RESULTS.md) d'après les mesures faites")
    args = parser.parse_args()
    if args.rapport:
        inscrire(args.rapport)
        return
    SORTIES.mkdir(parents=True, exist_ok=True)
    if "PORTAIL_DATABASE_URL" not in os.environ:  # a fresh SQLite file of its own, never the portal's base
        base = SORTIES / "importation.sqlite"
        base.unlink(missing_ok=True)
        os.environ["PORTAIL_DATABASE_URL"] = f"sqlite:///{base}"
    subprocess.run([sys.executable, "-m", "web.cli", "migrate"], cwd=ROOT, check=True, capture_output=True)
    resultats = asyncio.run(avec_le_pool(args.lignes))
    moteur = "postgresql" if os.environ["PORTAIL_DATABASE_URL"].startswith("postgres") else "sqlite"
    resultats["moteur"] = moteur
    (SORTIES / f"importation-{moteur}.json").write_text(json.dumps(resultats, indent=2))
    print(json.dumps(resultats, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
