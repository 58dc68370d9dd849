"""Test set-up: a throwaway database (SQLite file, or the PostgreSQL of PORTAIL_DATABASE_URL),
migrated once, emptied before each test."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from stdnum import luhn

_TMP = Path(tempfile.mkdtemp(prefix="portail-tests-"))
if not os.environ.get("PORTAIL_DATABASE_URL", "").startswith("postgres"):
    os.environ["PORTAIL_DATABASE_URL"] = f"sqlite:///{_TMP / 'tests.sqlite'}"
os.environ.setdefault("PORTAIL_SECRET_KEY", secrets.token_urlsafe(32))
os.environ["PORTAIL_COURRIELS_DIR"] = str(_TMP / "courriels")
os.environ["PORTAIL_ENV"] = "development"
os.environ.pop("PORTAIL_SMTP_URL", None)

from web.cli import _migrer
from web.db import moteur
from web.piccolo_app import APP_CONFIG
from web.settings import Settings
from web.tables import Courriel

TABLES = APP_CONFIG.table_classes


def siret_valide() -> str:
    """A random SIRET whose SIREN and SIRET Luhn keys are both right."""
    siren = "".join(str(secrets.randbelow(10)) for _ in range(8))
    siren += luhn.calc_check_digit(siren)
    nic = "".join(str(secrets.randbelow(10)) for _ in range(4))
    return siren + nic + luhn.calc_check_digit(siren + nic)


async def vider_base() -> None:
    engine = moteur()
    noms = ", ".join(f'"{t._meta.tablename}"' for t in TABLES)
    if engine.engine_type == "postgres":
        await engine.run_ddl(f"TRUNCATE {noms} RESTART IDENTITY CASCADE")
    else:
        for t in TABLES:
            await engine.run_ddl(f'DELETE FROM "{t._meta.tablename}"')


@pytest.fixture(scope="session", autouse=True)
def base_migree():
    async def preparer():
        engine = moteur()
        if engine.engine_type == "postgres":
            # Start from nothing: a previous run may have left its tables.
            await engine.run_ddl("DROP SCHEMA public CASCADE")
            await engine.run_ddl("CREATE SCHEMA public")
        await _migrer()

    asyncio.run(preparer())
    yield


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture
async def base_vide():
    await vider_base()
    yield


async def mot_de_passe_envoye(destinataire: str) -> str:
    """The temporary password from the last mail queued for this address."""
    row = await Courriel.select(Courriel.corps).where(Courriel.destinataire == destinataire).order_by(Courriel.id, ascending=False).first()
    assert row is not None, f"aucun courriel pour {destinataire}"
    from web.courriels import ouvrir

    return extraire_mot_de_passe(ouvrir(Settings.from_env(), row["corps"]))


def extraire_mot_de_passe(corps: str) -> str:
    m = re.search(r"Votre mot de passe temporaire : (\S+)", corps)
    assert m, corps
    return m.group(1)


def base_dediee(tmp_path: Path, nom: str) -> str:
    """A database of a test's own, on the suite's engine (never the suite's base): a SQLite file
    under tmp_path, or a fresh database `nom` in the suite's PostgreSQL cluster."""
    url = os.environ["PORTAIL_DATABASE_URL"]
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp_path / (nom + '.sqlite')}"
    import asyncpg

    from web.db import config_postgres

    async def creer() -> None:
        cx = await asyncpg.connect(**config_postgres(url))
        await cx.execute(f"DROP DATABASE IF EXISTS {nom} WITH (FORCE)")
        await cx.execute(f"CREATE DATABASE {nom}")
        await cx.close()

    with ThreadPoolExecutor(1) as fil:  # a loop of its own, whether the caller runs one or not
        fil.submit(asyncio.run, creer()).result()
    return url.rsplit("/", 1)[0] + "/" + nom
