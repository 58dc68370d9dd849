"""deploy/systemd: the units systemd itself accepts (systemd-analyze verify, with this machine's
paths), running `portail` commands that exist with the options given, within the stop times."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from configparser import ConfigParser
from pathlib import Path

import pytest

from tests.processus import NGINX_SITE, ROOT
from web import cli, courriels

UNITES = ROOT / "deploy" / "systemd"
PORTAIL = Path(shutil.which("portail") or ROOT / ".venv" / "bin" / "portail")


def lire(nom: str) -> ConfigParser:
    p = ConfigParser(strict=False, interpolation=None)
    p.optionxform = str
    p.read(UNITES / nom)
    return p


def sur_cette_machine(texte: str) -> str:
    """The unit with this checkout's paths and an existing user: what only an installation changes."""
    return (
        texte.replace("/opt/portail/.venv/bin/portail", str(PORTAIL))
        .replace("WorkingDirectory=/opt/portail", f"WorkingDirectory={ROOT}")
        .replace("EnvironmentFile=/etc/portail/portail.env", "EnvironmentFile=-/etc/portail/portail.env")
        .replace("User=portail", "User=root")
        .replace("Group=portail", "Group=root")
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent : la vérification suivante suffit")
def test_systemd_accepte_les_unites(tmp_path):
    noms = {"portail@.service": "portail@8000.service", "portail-sauvegarde.service": None, "portail-sauvegarde.timer": None}
    for nom, copie in noms.items():
        (tmp_path / (copie or nom)).write_text(sur_cette_machine((UNITES / nom).read_text()))
    r = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / (c or n)) for n, c in noms.items()]], capture_output=True, text=True)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr


def test_les_unites_lancent_portail_avec_ses_options():
    service = lire("portail@.service")["Service"]
    commande = shlex.split(service["ExecStart"].replace("%i", "8000"))
    assert commande[0] == "/opt/portail/.venv/bin/portail" and commande[1] == "serve"
    options = cli.serve.make_context("serve", commande[2:]).params  # refuses any option serve does not have
    assert options["host"] == "127.0.0.1" and options["workers"] >= 2
    # systemd waits for the requests in flight, then for the mails being sent, before killing.
    assert int(service["TimeoutStopSec"]) > options["timeout_graceful_shutdown"] + courriels.ARRET
    # One instance per port that nginx sends to.
    assert set(re.findall(r"server 127\.0\.0\.1:(\d+);", NGINX_SITE.read_text())) == {"8000", "8001"}

    sauvegarde = lire("portail-sauvegarde.service")["Service"]["ExecStart"]
    interieur = shlex.split(shlex.split(sauvegarde)[2])
    assert interieur[:3] == ["exec", "/opt/portail/.venv/bin/portail", "sauvegarder"]
    cli.sauvegarder.make_context("sauvegarder", interieur[3:])
