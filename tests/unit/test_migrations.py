"""Upgrades: each release's migrations run on a database filled as the previous release wrote it.

RELEASES holds, for every release the portal was shipped as, its last migration and what its code
wrote (raw SQL on that release's schema, never today's tables). The test builds that schema with
Piccolo's own `migrations forwards`, fills it, upgrades it with `portail migrate`, then uses it
through a real `portail serve`: sign-in, both searches, the outbox. Before each release, add the
release being replaced here (its last migration, and rows of every table it writes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
import pytest

from tests.conftest import base_dediee
from tests.processus import ROOT, Portail, commande_portail
from tests.unit.conftest import Compte, poster, second_facteur
from web.comptes.hachage import HASHER
from web.db import config_postgres

MOT_DE_PASSE = "Kq7vTz9mWr4pX"
NIR = "180057512345627"  # key checked (stdnum.fr.nir)


class Base:
    """Raw SQL on a database of the test's own: `{}` placeholders, whatever the engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgres")

    async def executer(self, sql: str, *args) -> None:
        if self.postgres:
            import asyncpg

            cx = await asyncpg.connect(**config_postgres(self.url))
            try:
                n = iter(range(1, len(args) + 1))
                await cx.execute(re.sub(r"\{\}", lambda _: f"${next(n)}", sql), *args)
            finally:
                await cx.close()
        else:
            import piccolo.engine.sqlite  # noqa: F401 - Piccolo's adapters: timestamps stored as it stores them

            with sqlite3.connect(unquote(urlparse(self.url).path)) as cx:
                cx.execute(sql.replace("{}", "?"), args)

    async def lire(self, sql: str) -> tuple:
        """The first row of `sql`, timestamps as datetimes on both engines."""
        if self.postgres:
            import asyncpg

            cx = await asyncpg.connect(**config_postgres(self.url))
            try:
                return tuple(await cx.fetchrow(sql))
            finally:
                await cx.close()
        with sqlite3.connect(unquote(urlparse(self.url).path), detect_types=sqlite3.PARSE_DECLTYPES) as cx:
            return cx.execute(sql).fetchone()


@dataclass
class Release:
    nom: str
    derniere_migration: str
    remplir: Callable[[Base], Awaitable[None]]
    # What the upgraded portal must find: gestionnaire searches (query -> expected name).
    recherches: dict[str, str]
    titulaire: bool = False
    # The journal's sign-ins and password change carried into the account's history.
    historique: bool = False
    # Accounts in units: « Gérer les habilitations » sorted by unit after the upgrade.
    unites: bool = False
    # Inactivity notices made before their administrators' mail was flagged: never told again.
    avis: bool = False


MAINTENANT = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


async def remplir_premiere(b: Base) -> None:
    """The first release (migration 2026-11-26T23:32:03): accounts without search keys."""
    await b.executer(
        "INSERT INTO organisme (id, siret, raison_sociale, type, statut, cree_le) VALUES (1, '21750001600019', 'MAIRIE', "
        "'employeur_public', 'actif', {})",
        MAINTENANT,
    )
    for id_, ident, role, prenom, nom in (
        (1, "AMAR0001", "administrateur_principal", "Anne", "MARTIN"),
        (2, "LDEL0002", "gestionnaire", "Lucie", "DÉLAHAÏE"),
        (3, "EOEU0003", "gestionnaire", "Élodie", "ŒUVRARD"),
    ):
        await b.executer(
            "INSERT INTO utilisateur (id, identifiant, organisme, role, civilite, prenom, nom, courriel, telephone_fixe, statut, "
            "mot_de_passe, mot_de_passe_temporaire, cgu_version, cree_le) VALUES ({}, {}, 1, {}, 'Mme', {}, {}, {}, "
            "'01 23 45 67 89', 'actif', {}, false, 1, {})",
            id_, ident, role, prenom, nom, f"{ident.lower()}@example.fr", HASHER.hash(MOT_DE_PASSE), MAINTENANT,
        )  # fmt: skip
    await b.executer(
        "INSERT INTO journal (cree_le, type, acteur, cible, organisme, detail, adresse) VALUES ({}, 'gestionnaire_cree', 1, 2, 1, "
        "'gestionnaire, niveau aucun', '127.0.0.1')",
        MAINTENANT,
    )


async def remplir_03019a6(b: Base) -> None:
    """main at 03019a6 (migration 2026-11-27T03:00:00): keys written by the code, titulaires, and
    a mail still in the outbox when the upgrade starts."""
    await remplir_premiere(b)
    await b.executer("UPDATE utilisateur SET nom_cle = 'MARTIN', prenom_cle = 'ANNE' WHERE id = 1")
    await b.executer(
        "INSERT INTO titulaire (id, nir, nom_naissance, nom_usage, prenom, date_naissance, nom_naissance_cle, nom_usage_cle) "
        "VALUES (1, {}, 'Bérénice', '', 'Zoé', {}, 'BERENICE', '')",
        NIR, dt.date(1980, 5, 1),
    )  # fmt: skip
    await b.executer("INSERT INTO emploi (titulaire, organisme) VALUES (1, 1)")
    await b.executer(
        "INSERT INTO courriel (cree_le, destinataire, sujet, corps, statut, tentatives, prochain_essai) "
        "VALUES ({}, 'attente@example.fr', 'Sujet', 'Corps', 'a_envoyer', 0, {})",
        MAINTENANT, MAINTENANT,
    )  # fmt: skip


async def remplir_79f878a(b: Base) -> None:
    """main at 79f878a (migration 2026-11-28T06:00:00): a journal holding sign-ins (full, and the
    password step alone) and a password chosen, before the account's history had its columns."""
    await remplir_03019a6(b)
    for id_, nom_cle, prenom_cle in ((2, "DELAHAIE", "LUCIE"), (3, "OEUVRARD", "ELODIE")):  # the code wrote every key
        await b.executer("UPDATE utilisateur SET nom_cle = {}, prenom_cle = {} WHERE id = {}", nom_cle, prenom_cle, id_)
    lignes = [
        (dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC), "mot_de_passe_modifie", ""),
        (dt.datetime(2026, 9, 1, 8, 1, tzinfo=dt.UTC), "connexion", ""),
        (dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC), "connexion", "mot de passe vérifié, second facteur attendu"),
        (dt.datetime(2026, 10, 2, 9, 1, tzinfo=dt.UTC), "second_facteur", "code à usage unique"),
        (dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC), "connexion", "mot de passe vérifié, second facteur attendu"),
    ]
    for quand, type_, detail in lignes:
        await b.executer(
            "INSERT INTO journal (cree_le, type, acteur, cible, organisme, identifiant_saisi, detail, adresse) "
            "VALUES ({}, {}, 1, 1, 1, '', {}, '')",
            quand, type_, detail,
        )  # fmt: skip


async def remplir_807db21(b: Base) -> None:
    """main at 807db21 (migration 2026-11-28T10:00:00): accounts in units, before the unit's name
    was kept on each account for the sort."""
    await remplir_79f878a(b)
    for id_, nom, compte in ((1, "Zèbre", 2), (2, "école", 3)):
        await b.executer("INSERT INTO unite (id, organisme, nom) VALUES ({}, 1, {})", id_, nom)
        await b.executer("UPDATE utilisateur SET unite = {} WHERE id = {}", id_, compte)


async def remplir_53d7346(b: Base) -> None:
    """main at 53d7346 (migration 2026-11-28T11:00:01): an inactivity notice already mailed to its
    holder and, in the same run, to the administrators, before the notice said so."""
    await remplir_807db21(b)
    for id_, unite_cle in ((2, "ZEBRE"), (3, "ECOLE")):  # the code kept the unit's key on the account
        await b.executer("UPDATE utilisateur SET unite_cle = {} WHERE id = {}", unite_cle, id_)
    await b.executer(
        "INSERT INTO avis_inactivite (id, utilisateur, depuis, envoye_le) VALUES (1, 3, {}, {})",
        MAINTENANT - dt.timedelta(days=340), MAINTENANT,
    )  # fmt: skip


RECHERCHES = {"dela": "DÉLAHAÏE", "oeuv": "ŒUVRARD", "mart": "MARTIN"}
RELEASES = [
    Release("première version", "2026-11-26T23:32:03:832252", remplir_premiere, RECHERCHES),
    Release("main 03019a6", "2026-11-27T03:00:00:000000", remplir_03019a6, RECHERCHES, titulaire=True),
    Release("main 79f878a", "2026-11-28T06:00:00:000000", remplir_79f878a, RECHERCHES, titulaire=True, historique=True),
    Release("main 807db21", "2026-11-28T10:00:00:000000", remplir_807db21, RECHERCHES, titulaire=True, unites=True),
    Release("main 53d7346", "2026-11-28T11:00:01:000000", remplir_53d7346, RECHERCHES, titulaire=True, unites=True, avis=True),
]


def migrer_jusqua(url: str, migration: str) -> None:
    """The schema of a past release: Piccolo's migrations up to and including `migration`."""
    if url.startswith("sqlite"):
        Path(unquote(urlparse(url).path)).touch()
    r = subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "portail", migration],
        cwd=ROOT, env={**os.environ, "PORTAIL_DATABASE_URL": url}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("release", RELEASES, ids=[r.nom for r in RELEASES])
async def test_la_base_d_une_version_precedente_se_met_a_jour_et_se_consulte(release, tmp_path):
    url = base_dediee(tmp_path, "portail_migrations")
    env = {"PORTAIL_DATABASE_URL": url, "PORTAIL_COURRIELS_DIR": str(tmp_path / "courriels")}
    await asyncio.to_thread(migrer_jusqua, url, release.derniere_migration)
    await release.remplir(Base(url))
    r = await asyncio.to_thread(commande_portail, "migrate", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    if release.avis:
        (deja,) = await Base(url).lire("SELECT administrateurs_avises FROM avis_inactivite WHERE id = 1")
        assert deja in (True, 1)
    if release.historique:
        connexion, modifie = await Base(url).lire("SELECT derniere_connexion, mot_de_passe_modifie_le FROM utilisateur WHERE id = 1")
        assert (connexion.date(), modifie.date()) == (dt.date(2026, 10, 2), dt.date(2026, 9, 1))

    p = Portail(env=env, nom="migration")
    try:
        async with httpx.AsyncClient(base_url=p.url, timeout=30) as c:
            r = await poster(c, "/connexion", "/connexion", {"identifiant": "AMAR0001", "mot_de_passe": MOT_DE_PASSE})
            # An administrator of an older version has no second factor yet: enrolled at this sign-in.
            assert r.status_code == 303 and r.headers["location"] == "/connexion/enrolement", r.text
            r = await second_facteur(c, Compte("AMAR0001", MOT_DE_PASSE, "", 0, 0), r)
            assert r.status_code in (200, 303), r.text
            for saisie, nom in release.recherches.items():
                page = await c.get(f"/habilitations?nom={saisie}")
                assert nom in page.text, f"« {saisie} » ne trouve pas {nom}"
            page = await c.get("/habilitations?prenom=elo")
            assert "ŒUVRARD" in page.text and "DÉLAHAÏE" not in page.text
            if release.unites:  # no unit first, then « école » (as ECOLE) before « Zèbre »
                lignes = r'<td><a href="/habilitations/\d+">([^<]+)</a></td>'
                page = (await c.get("/habilitations?tri=unite")).text
                assert re.findall(lignes, page) == ["MARTIN", "ŒUVRARD", "DÉLAHAÏE"]
                page = (await c.get("/habilitations?tri=unite&ordre=desc")).text
                assert re.findall(lignes, page) == ["DÉLAHAÏE", "ŒUVRARD", "MARTIN"]
            if release.titulaire:
                page = await c.get(f"/?nir={NIR}&nom=berenice")
                assert "/titulaires/1" in page.text
        if release.titulaire:  # the mail queued before the upgrade leaves after it
            fin = asyncio.get_running_loop().time() + 15
            while not list((tmp_path / "courriels").glob("*attente@example.fr.eml")):
                assert asyncio.get_running_loop().time() < fin, "courriel en file non remis après la mise à jour"
                await asyncio.sleep(0.2)
            assert "Message-ID: <courriel.1." in next((tmp_path / "courriels").glob("*attente@example.fr.eml")).read_text()
    finally:
        p.arreter()
