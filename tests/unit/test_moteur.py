"""The database layer, on the suite's engine (SQLite, then PostgreSQL): Piccolo's own batch(),
nested transactions and savepoints work through `web.db`, and a lock is taken by its one helper."""

from __future__ import annotations

import sqlite3
import time

import pytest
from piccolo.querystring import QueryString

from tests.unit.conftest import creer_organisme
from web.db import MoteurSQLite, ecriture, lire_par_cle, moteur, verrouiller
from web.tables import Unite


async def noms(organisme_id: int) -> list[str]:
    return [r["nom"] for r in await Unite.select(Unite.nom).where(Unite.organisme == organisme_id).order_by(Unite.nom)]


async def test_batch_lit_par_paquets(base_vide, settings):
    """What an export would do: read a large table a few rows at a time."""
    admin = await creer_organisme(settings)
    await Unite.insert(*(Unite(organisme=admin.organisme_id, nom=f"Unité {i:03d}") for i in range(25)))
    paquets = []
    async with await Unite.select(Unite.nom).where(Unite.organisme == admin.organisme_id).order_by(Unite.nom).batch(batch_size=10) as lot:
        async for paquet in lot:
            paquets.append([r["nom"] for r in paquet])
    assert [len(p) for p in paquets] == [10, 10, 5]
    assert paquets[0][0] == "Unité 000" and paquets[-1][-1] == "Unité 024"
    # The connection it used is handed back in a usable state.
    assert len(await noms(admin.organisme_id)) == 25


async def test_transactions_imbriquees(base_vide, settings):
    """An inner ecriture() joins the outer one: both are kept, or neither."""
    admin = await creer_organisme(settings)
    async with ecriture():
        await Unite.insert(Unite(organisme=admin.organisme_id, nom="Externe"))
        async with ecriture():
            await Unite.insert(Unite(organisme=admin.organisme_id, nom="Interne"))
    assert await noms(admin.organisme_id) == ["Externe", "Interne"]

    with pytest.raises(RuntimeError):
        async with ecriture():
            await Unite.insert(Unite(organisme=admin.organisme_id, nom="Perdue 1"))
            async with ecriture():
                await Unite.insert(Unite(organisme=admin.organisme_id, nom="Perdue 2"))
            raise RuntimeError("échec après la transaction intérieure")
    assert await noms(admin.organisme_id) == ["Externe", "Interne"]


async def test_points_de_sauvegarde(base_vide, settings):
    """Rolled back to a savepoint: what followed it is gone, what preceded it is committed."""
    admin = await creer_organisme(settings)
    async with ecriture() as transaction:
        await Unite.insert(Unite(organisme=admin.organisme_id, nom="Avant"))
        point = await transaction.savepoint()
        await Unite.insert(Unite(organisme=admin.organisme_id, nom="Annulée"))
        await point.rollback_to()
        gardee = await transaction.savepoint("gardee")
        await Unite.insert(Unite(organisme=admin.organisme_id, nom="Après"))
        await gardee.release()
    assert await noms(admin.organisme_id) == ["Après", "Avant"]


async def test_lecture_par_cle(base_vide, settings):
    """The read each request makes of its session (on SQLite, on the event loop's own thread):
    what is committed, and inside a transaction what that transaction wrote."""
    admin = await creer_organisme(settings)
    requete = lambda: QueryString("SELECT nom FROM unite WHERE organisme = {} AND nom LIKE 'Lue%' ORDER BY nom", admin.organisme_id)  # noqa: E731
    await Unite.insert(Unite(organisme=admin.organisme_id, nom="Lue 1"))
    assert await lire_par_cle(requete()) == [{"nom": "Lue 1"}]
    async with ecriture():
        await Unite.insert(Unite(organisme=admin.organisme_id, nom="Lue 2"))
        assert await lire_par_cle(requete()) == [{"nom": "Lue 1"}, {"nom": "Lue 2"}]
    await Unite.delete().where(Unite.nom == "Lue 1")
    assert await lire_par_cle(requete()) == [{"nom": "Lue 2"}]


@pytest.mark.skipif(moteur().engine_type != "sqlite", reason="SQLite's locks; a PostgreSQL read never waits on one")
def test_sqlite_la_lecture_sur_place_n_attend_pas(tmp_path):
    """On the event loop's thread, a read must never wait for a lock (the whole process would
    wait): while another process holds the file, it gives up at once (lire_par_cle then reads
    the usual way, off the loop), and reads again once the file is free."""
    chemin = tmp_path / "base.sqlite"
    cx = sqlite3.connect(chemin)
    cx.executescript("PRAGMA journal_mode = WAL; CREATE TABLE t (nom TEXT); INSERT INTO t VALUES ('Lue');")
    cx.close()
    engine = MoteurSQLite(str(chemin))
    assert engine.lire_sur_place("SELECT nom FROM t", []) == [{"nom": "Lue"}]
    engine._sur_place.cx.close()  # WAL: the exclusive lock below needs the only open connection
    engine._sur_place.cx = None

    autre = sqlite3.connect(chemin, isolation_level=None)
    autre.execute("PRAGMA locking_mode = EXCLUSIVE")  # in WAL mode, the one lock that shuts readers out
    autre.execute("BEGIN EXCLUSIVE")
    debut = time.monotonic()
    assert engine.lire_sur_place("SELECT nom FROM t", []) is None
    assert time.monotonic() - debut < 0.1
    autre.execute("ROLLBACK")
    autre.close()
    assert engine.lire_sur_place("SELECT nom FROM t", []) == [{"nom": "Lue"}]


async def test_verrouiller_dans_une_ecriture(base_vide, settings):
    """The one locking helper runs on both engines (a no-op under SQLite's BEGIN IMMEDIATE)."""
    admin = await creer_organisme(settings)
    async with ecriture():
        await verrouiller(Unite)  # no id: nothing to lock
        u = await Unite.objects().create(organisme=admin.organisme_id, nom="Verrouillée")
        await verrouiller(Unite, u.id)
        await verrouiller(Unite, u.id, partage=True)
    assert moteur() is Unite._meta.db  # the accessor is Piccolo's own engine


async def test_postgresql_garde_ses_plans_sauf_pour_les_listes(base_vide, settings):
    """PostgreSQL only (SQLite keeps no plan across values). The session's read, on every request,
    keeps its plan from one run to the next (planning it again cost ten times its execution); a
    list whose plan depends on the organisation's size (web.db.lire_planifie) is planned for its
    values on every run, never given a generic plan made for the average organisation: on the
    pool's connections as inside a transaction."""
    from piccolo.querystring import QueryString

    from web import sessions
    from web.db import lire_planifie

    engine = moteur()
    if engine.engine_type != "postgres":
        pytest.skip("PostgreSQL seulement : SQLite ne garde pas de plan générique")
    admin = await creer_organisme(settings)
    jeton = await sessions.ouvrir(admin.id, "127.0.0.1")
    liste = QueryString("SELECT id, nom FROM unite WHERE organisme = {} ORDER BY nom LIMIT 20", admin.organisme_id)
    mode = QueryString("SELECT current_setting('plan_cache_mode') AS mode")
    await engine.start_connection_pool(min_size=1, max_size=4)  # as `portail serve` does
    try:
        # Both pools within the connections the operator planned for (README, « En production »).
        assert engine.pool.get_max_size() + engine.pool_planifie.get_max_size() == 4
        assert await lire_planifie(mode) == [{"mode": "force_custom_plan"}]
        assert await Unite.raw("SELECT current_setting('plan_cache_mode') AS mode") == [{"mode": "auto"}]
    finally:
        await engine.close_connection_pool()
    async with ecriture():  # one connection: the prepared statements pg_prepared_statements shows are its own
        for _ in range(7):  # past the five runs after which PostgreSQL may keep a generic plan
            assert (await sessions.charger(jeton))[0].id == admin.id
        for _ in range(7):  # (after a list, the rest of the transaction is planned for its values too)
            await lire_planifie(liste)
        etats = await Unite.raw("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
    lecture_de_session = [e for e in etats if "s.jeton_hash" in e["statement"]]
    assert lecture_de_session and lecture_de_session[0]["generic_plans"] >= 1
    assert [(e["generic_plans"], e["custom_plans"]) for e in etats if "ORDER BY nom LIMIT 20" in e["statement"]] == [(0, 7)]
    # Without a pool (unit tests, the command line), on a connection of its own, set the same way.
    assert await lire_planifie(mode) == [{"mode": "force_custom_plan"}]


async def test_postgresql_rendre_une_connexion_ne_coute_pas_un_aller_retour(base_vide):
    """PostgreSQL only (SQLite has no pool): asyncpg's pool sends « SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL » each time a connection goes back, one round trip per query
    (three per list request). The portal sets none of that state, so its pool sends nothing; an
    open transaction is still rolled back."""
    import asyncpg

    if moteur().engine_type != "postgres":
        pytest.skip("PostgreSQL seulement : SQLite n'a pas de pool de connexions")
    pool = await asyncpg.create_pool(**moteur().config, min_size=1, max_size=1)
    try:
        async with pool.acquire() as cx:
            pid = await cx.fetchval("SELECT pg_backend_pid()")
            await cx.execute("SELECT 'dernière requête du portail'")
        observateur = await asyncpg.connect(**moteur().config)
        try:
            vue = await observateur.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
        finally:
            await observateur.close()
        assert vue == "SELECT 'dernière requête du portail'"

        async with pool.acquire() as cx:
            await cx.execute("BEGIN")
            await cx.execute("CREATE TEMPORARY TABLE oubliee (x int) ON COMMIT DROP")
        async with pool.acquire() as cx:
            assert not cx.is_in_transaction()
            assert await cx.fetchval("SELECT to_regclass('pg_temp.oubliee')") is None
    finally:
        await pool.close()
