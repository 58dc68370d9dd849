"""bench.revue still works: a tiny run on the suite's engine, in a database of its own. No duration asserted."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import base_dediee
from web.settings import ROOT


def test_le_banc_de_la_revue_tourne(tmp_path):
    env = {**os.environ, "PORTAIL_DATABASE_URL": base_dediee(tmp_path, "portail_banc_revue")}
    commande = [sys.executable, "-m", "bench.revue", "--echelle", "0.002"]
    r = subprocess.run(commande, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    sortie = dict(ligne.strip().rsplit(" : ", 1) for ligne in r.stdout.splitlines() if " : " in ligne and ligne.startswith("  "))
    # Organisation 1's accounts were set unused over two years: some got their notice.
    assert int(sortie["ménage : avis envoyés"]) > 0 and int(sortie["courriels en file"]) > 0
    assert {"revue : page 1 (ms)", "CDC : organismes en retard, page 1 (ms)", "ménage : passages suivants, médiane (ms)"} <= set(sortie)
    # What each following pass did is said, not guessed from its label.
    assert all(n.isdigit() for n in sortie["ménage : avis et suspensions de chacun"].split(" / "))
