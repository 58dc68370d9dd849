"""Benchmarks at national scale: bench.generer fills a database, bench.lancer measures,
bench.rapport writes bench/RESULTS.md. Their files go to PORTAIL_BANC_DIR (var/bench/)."""

import os
from pathlib import Path

from web.settings import VAR

SORTIES = Path(os.environ.get("PORTAIL_BANC_DIR", VAR / "bench"))
