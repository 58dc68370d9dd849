"""The import benchmark still works: a tiny run on the suite's engine. No duration asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import base_dediee
from web.settings import ROOT


def test_le_banc_d_import_tourne(tmp_path):
    url = base_dediee(tmp_path, "portail_banc_import")
    env = {**os.environ, "PORTAIL_DATABASE_URL": url, "PORTAIL_BANC_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "bench.importation", "--lignes", "3"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    moteur = "postgresql" if url.startswith("postgres") else "sqlite"
    res = json.loads((tmp_path / f"importation-{moteur}.json").read_text())
    assert res["lignes"] == res["crees"] == 3
    # Its section of RESULTS.md, the rest of the file kept.
    rapport = tmp_path / "RESULTS.md"
    rapport.write_text("# Bancs\n\n## Autre mesure\n\ngardée\n")
    r = subprocess.run([sys.executable, "-m", "bench.importation", "--rapport", str(rapport)], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    texte = rapport.read_text()
    assert "## Autre mesure\n\ngardée" in texte and f"| {moteur} | 3 |" in texte
