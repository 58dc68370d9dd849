"""The benchmarks still work: a tiny run on the suite's engine (and two instances on PostgreSQL).
Nothing here asserts a duration: the figures belong to bench/RESULTS.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.lancer import VARIANTES, echecs
from tests.conftest import base_dediee
from web.settings import ROOT

RECHERCHES = 20


def test_les_bancs_tournent_sans_echec(tmp_path):
    url = base_dediee(tmp_path, "portail_bancs")
    postgres = url.startswith("postgres")
    env = {**os.environ, "PORTAIL_DATABASE_URL": url, "PORTAIL_BANC_DIR": str(tmp_path)}
    commande = [sys.executable, "-m", "bench.lancer", "--echelle", "0.0005", "--duree", "0.5", "--clients", "2", "--titulaires", "120"]
    commande += ["--recherches", str(RECHERCHES), "--lenteur-relais", "1", *(["--deux-instances"] if postgres else [])]
    r = subprocess.run(commande, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]

    moteur = "postgresql" if postgres else "sqlite"
    res = json.loads((tmp_path / f"resultats-{moteur}.json").read_text())
    assert echecs(res) == 0
    assert res["generation"]["lignes"]["titulaire"] == 120  # --titulaires, whatever the scale (the country's 6 M)
    # Every search found what it looked for, and every measure has its reference.
    assert res["recherches"]["gestionnaire"]["reussies"] == res["recherches"]["titulaire"]["reussies"] == RECHERCHES
    assert res["connexion"]["reussies"] > 0 and res["argon2"]["par_seconde"] > 0 and res["argon2"]["un_fil_par_seconde"] > 0
    assert all(res["pages"][p]["reussies"] > 0 for p in ("nu", "accueil", "habilitations"))
    assert res["recherches"]["plans"]["titulaire"] and res["recherches"]["plans"]["gestionnaire_page"]
    # « Gérer les habilitations »: each filter and sort answered, each planned; the export read whole.
    assert set(res["recherches"]["filtres"]) == set(VARIANTES) and all(f["echecs"] == 0 for f in res["recherches"]["filtres"].values())
    assert all(res["recherches"]["plans"][f"gestionnaire {v} : page"] for v in VARIANTES)
    assert res["export"]["lignes"] >= 2 and len(res["export"]["mesures"]) == 3
    assert len(res["octets"]["fragments"]) == 5 and any(f.endswith(".js") for f in res["octets"]["statiques"])
    c = res["octets"]["connexion"]  # the sign-in page's first visit: HTML, CSS and JavaScript
    assert c["css"] > 0 and c["js"] > 0 and c["premiere_visite"] == c["html"] + c["css"] + c["js"] and c["visites_suivantes"] == c["html"]
    e = res["evaluer"]  # the /mot-de-passe/evaluer flood, against /aide alone
    assert e["aide_seule"]["reussies"] > 0 and e["aide_pendant"]["reussies"] > 0 and e["inondation"]["reussies"] > 0
    assert res["workers"]["1"]["reussies"] > 0 and res["workers"]["2"]["reussies"] > 0
    # Which process served what is read from the journal: every measured request is there.
    assert all(sum(w["requetes_par_processus"]) >= w["reussies"] for w in res["workers"].values())
    # Who used the processor during each load. /proc counts in 10 ms ticks: on this half-second load
    # nginx may not reach one (CI saw 0.0), and the virtual machine's /proc/stat has read less than
    # the processes' sum, so only what always holds is asserted: the portal worked, and the machine
    # was never busier than all its cores for the load's length.
    for w in res["workers"].values():
        assert w["cpu_portail_s"] > 0 and w["cpu_nginx_s"] >= 0 and w["cpu_client_s"] > 0
        assert 0 < w["cpu_machine_s"] <= w["cpu_capacite_s"] + 0.05
    lent = res["relais_lent"]
    assert lent["courriels_recus"] == lent["courriels_demandes"] > 0 and lent["courriels_doublons"] == 0
    if postgres:
        d = res["deux_instances"]
        assert d["session_partagee"]
        assert d["courriels_recus"] == d["courriels_demandes"] > 0 and d["courriels_doublons"] == 0
        assert d["charge"]["reussies"] > 0 and d["charge"]["cpu_portail_s"] > 0  # both instances' processor, read during the load

    sortie = tmp_path / "RESULTS.md"
    r = subprocess.run([sys.executable, "-m", "bench.rapport", "--sortie", str(sortie)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    texte = sortie.read_text()
    assert "## Objectifs" in texte and "Requêtes en échec, tous passages | 0 | 0 : atteint" in texte
    assert "« Aide » p95 pendant une inondation de /mot-de-passe/evaluer / seule | ≤ 2×" in texte
    # The targets of the issues, each with its own threshold; fragments are reported, not judged
    # by a ratio to their page (what they may carry is the fragment = page tests' business).
    for cible in (
        "« Gérer les habilitations » filtrée ou triée, p95 serveur de chaque variante | ≤ 10 ms |",
        "Accueil (connecté) / route nue, requêtes par seconde | ≥ 50 % |",
        "« Gérer les habilitations » / route nue | ≥ 25 % |",
        "Deux processus derrière nginx / un seul, requêtes par seconde | ≥ ×1.7 |",
        "Mémoire résidente de `portail serve` après la charge | ≤ 150 Mio |",
        "Fragments htmx : rien hors de leur région (`tests/unit/test_fragments.py`), octets gzip | rapportés |",
    ):
        assert cible in texte, cible
    assert "≤ 1/5" not in texte
    assert "| mémoire résidente au fil des charges : démarré, connexions, recherches, export, pages | " in texte
    assert "| argon2id brut, un seul fil : ce qu'ajoutent les autres cœurs |" in texte and " fils |" in texte
    assert "## « Exporter la liste » de l'organisme de 20 000 gestionnaires" in texte and "gestionnaire, tri niveau" in texte
    assert "## Un ou deux processus derrière nginx" in texte and "## Courriels à travers un relais plus lent" in texte
    assert "| client de charge | portail | nginx | reste | machine occupée | capacité |" in texte


def test_la_mesure_du_moteur_sqlite_tourne(tmp_path):
    """Piccolo's stock SQLite engine against the portal's, at a tiny scale: both measured, the
    section written into a copy of RESULTS.md without touching the rest."""
    rapport = tmp_path / "RESULTS.md"
    rapport.write_text("# Bancs\n\n## Autre section\n\ninchangée\n")
    env = {**os.environ, "PORTAIL_BANC_DIR": str(tmp_path)}
    commande = [sys.executable, "-m", "bench.sqlite_moteur", "--requetes", "40", "--rapport", str(rapport)]
    r = subprocess.run(commande, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    res = json.loads((tmp_path / "sqlite_moteur.json").read_text())
    for moteur in ("stock", "portail"):
        assert all(res["mesures"][moteur][m]["par_seconde"] > 0 for m in ("lecture", "lecture_20_taches", "ecriture"))
    assert res["mesures"]["portail"]["batch"].endswith("lignes lues")
    texte = rapport.read_text()
    assert "## Autre section\n\ninchangée" in texte and "## Moteur SQLite" in texte


@pytest.mark.skipif(os.environ["PORTAIL_DATABASE_URL"].startswith("postgres"), reason="SQLite's write-ahead log")
def test_sqlite_la_base_generee_n_a_plus_rien_dans_son_journal(tmp_path):
    """A generated base is measured as a base in service: all its pages in the file, its WAL
    empty. Otherwise the portal's first write copies the whole load back during the measures."""
    env = {**os.environ, "PORTAIL_DATABASE_URL": f"sqlite:///{tmp_path / 'banc.sqlite'}", "PORTAIL_BANC_DIR": str(tmp_path)}
    commande = [sys.executable, "-m", "bench.generer", "--echelle", "0.0005", "--titulaires", "120"]
    r = subprocess.run(commande, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    wal = tmp_path / "banc.sqlite-wal"
    assert (tmp_path / "banc.sqlite").stat().st_size > 0
    assert not wal.exists() or wal.stat().st_size == 0
