"""The profiler of the measured paths still runs (bench/profil.py, `make profil`): a tiny run on the
suite's engine. Nothing here asserts a duration: the shares belong to bench/RESULTS.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import base_dediee
from web.settings import ROOT

CHEMINS = ("connexion", "accueil", "habilitations", "recherche", "dialogue")


def test_le_profil_de_chaque_chemin_s_ecrit(tmp_path):
    env = {**os.environ, "PORTAIL_DATABASE_URL": base_dediee(tmp_path, "portail_profil")}
    commande = [sys.executable, "-m", "bench.profil", "--echelle", "0.001", "--requetes", "3", "--connexions", "2"]
    commande += ["--sortie", str(tmp_path)]
    r = subprocess.run(commande, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    res = json.loads((tmp_path / "profil.json").read_text())
    assert sorted(res["chemins"]) == sorted(CHEMINS)
    for nom in CHEMINS:
        c = res["chemins"][nom]
        assert c["appels"] == (2 if nom == "connexion" else 3) and c["ms_par_appel"] > 0
        # Each request went through the portal's own code: its session middleware in every profile.
        assert any("web/requete.py" in fonction for fonction, _ in c["cumule"]), nom
        texte = (tmp_path / f"{nom}.txt").read_text()
        assert "Par domaine" in texte and "Par fonction, avec ce qu'elle appelle" in texte
        assert (tmp_path / f"{nom}.html").stat().st_size > 0
    # The sign-in really signs in: argon2id's thread is waited for.
    assert any("hachage.py" in fonction for fonction, _ in res["chemins"]["connexion"]["cumule"])


def test_le_tableau_recrit_garde_ce_que_d_autres_commandes_ont_mesure():
    """`make bench` writes RESULTS.md again from its measures; the sections other commands measured
    stay, whatever comes after them: the country-scale run (`--titulaires 6000000`), the profiles
    (`make profil`), the review (`bench.revue`) and the import of 1 000 lines (`make bench-import`,
    which issue 15 asks RESULTS.md to report)."""
    from bench.rapport import garder_sections

    ancien = (
        "# Bancs\n\n## Objectifs\n\nvieux\n\n## Le pays entier : 6 M\n\npays\n\n"
        "## Revue des habilitations (`python -m bench.revue`)\n\nrevue\n\n"
        "## Importer des gestionnaires\n\nimport\n\n## Où passe le temps\n\nparts\n\n## Moteur SQLite\n\nvieux\n"
    )
    assert garder_sections(ancien, "# Bancs\n\n## Objectifs\n\nneuf\n") == (
        "# Bancs\n\n## Objectifs\n\nneuf\n\n## Le pays entier : 6 M\n\npays\n\n"
        "## Revue des habilitations (`python -m bench.revue`)\n\nrevue\n\n"
        "## Importer des gestionnaires\n\nimport\n\n## Où passe le temps\n\nparts\n"
    )
    assert garder_sections("", "# Bancs\n") == "# Bancs\n"
