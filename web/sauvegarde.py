"""`portail sauvegarder` / `portail restaurer`: a whole database to one file and back.

SQLite: the online backup API (a consistent copy while the portal runs, written back page by
page into the live file, which every open connection then reads). PostgreSQL: pg_dump's custom
format and pg_restore in one transaction, the commands the README gives for doing it by hand.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from web.db import config_postgres


class SauvegardeInvalide(Exception):
    """The file is not a backup of the portal's database (message in French)."""


def _chemin_sqlite(url: str) -> Path:
    return Path(os.path.realpath(unquote(urlparse(url).path)))


def _outil(nom: str) -> str:
    """pg_dump / pg_restore: the PATH's, else the newest installed by Debian's packages."""
    if chemin := shutil.which(nom):
        return chemin
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{nom}"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise SystemExit(f"{nom} est introuvable : installez le client PostgreSQL (apt-get install postgresql-client).")
    return str(versions[-1])


def _pg(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options and environment for the PostgreSQL tools (the password never on the command line)."""
    c = config_postgres(url)
    env = {**os.environ, **({"PGPASSWORD": c["password"]} if c["password"] else {})}
    return ["-h", c["host"], "-p", str(c["port"]), "-U", c["user"], "-d", c["database"]], env


def sauvegarder(url: str, fichier: Path) -> None:
    """Writes the backup next to `fichier`, then renames it: never a half-written file under its name."""
    provisoire = fichier.with_name(fichier.name + ".partiel")
    try:
        if urlparse(url).scheme == "sqlite":
            source = sqlite3.connect(f"file:{quote(str(_chemin_sqlite(url)))}?mode=ro", uri=True)
            cible = sqlite3.connect(provisoire)
            try:
                source.backup(cible)
                cible.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                cible.close()
                source.close()
        else:
            options, env = _pg(url)
            commande = [_outil("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={provisoire}", *options]
            subprocess.run(commande, env=env, check=True, capture_output=True, text=True)
        os.replace(provisoire, fichier)
    finally:
        provisoire.unlink(missing_ok=True)


def _verifier_sqlite(fichier: Path) -> sqlite3.Connection:
    try:
        cx = sqlite3.connect(f"file:{quote(str(fichier.resolve()))}?mode=ro", uri=True)
        tables = {r[0] for r in cx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        ok = cx.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        raise SauvegardeInvalide(f"{fichier} n'est pas une base SQLite lisible.") from None
    if not ok or not {"migration", "utilisateur", "organisme"} <= tables:
        cx.close()
        raise SauvegardeInvalide(f"{fichier} n'est pas une sauvegarde du portail (tables absentes ou abîmées).")
    return cx


def restaurer(url: str, fichier: Path) -> None:
    """Replaces the whole database by the backup's content, or changes nothing."""
    if urlparse(url).scheme == "sqlite":
        source = _verifier_sqlite(fichier)
        chemin = _chemin_sqlite(url)
        chemin.parent.mkdir(parents=True, exist_ok=True)
        cible = sqlite3.connect(f"file:{quote(str(chemin))}?mode=rwc", uri=True, timeout=30)
        try:
            source.backup(cible)  # takes the write lock: running instances wait, then read the restored base
            cible.execute("PRAGMA journal_mode=WAL")  # as `portail migrate` leaves it
        finally:
            cible.close()
            source.close()
        return
    options, env = _pg(url)
    liste = subprocess.run([_outil("pg_restore"), "--list", str(fichier)], env=env, capture_output=True, text=True)
    if liste.returncode != 0 or "TABLE public utilisateur" not in liste.stdout:
        raise SauvegardeInvalide(f"{fichier} n'est pas une sauvegarde du portail faite par « portail sauvegarder » (pg_dump).")
    commande = [
        _outil("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
        *options, str(fichier),
    ]  # fmt: skip
    r = subprocess.run(commande, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SauvegardeInvalide(f"pg_restore a échoué, la base est inchangée : {r.stderr.strip()[-500:]}")
