"""Database engine selection and transaction helpers."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import aiosqlite
import asyncpg
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import AsyncBatch, SQLiteEngine, dict_factory
from piccolo.querystring import QueryString

# Piccolo 1.38.0 is pinned (pyproject.toml) for what MoteurSQLite relies on, all of it Piccolo's
# public engine interface: SQLiteTransaction and AsyncBatch take their connection from
# `engine.get_connection()` and end with `connection.close()`; the transaction open in this task is
# `engine.current_transaction.get()`; every query goes through `run_querystring` or `run_ddl`;
# `batch()` builds an AsyncBatch from a connection and a query (fixed here: _Lot).
# tests/unit/test_moteur.py checks batch(), nested transactions and savepoints.


class _Connexion(aiosqlite.Connection):
    """A real aiosqlite connection (Piccolo's own kind) whose `close()` hands it back to the pool
    of its engine, never with a transaction left open."""

    moteur: MoteurSQLite
    fichier: tuple[int, int]

    def __init__(self, connecteur, fichier: tuple[int, int], moteur: MoteurSQLite) -> None:
        super().__init__(connecteur, iter_chunk_size=64)
        self._thread.daemon = True  # a kept connection never holds the process open at exit
        self.fichier, self.moteur = fichier, moteur

    async def close(self) -> None:
        if self.in_transaction:
            await self.rollback()
        await self.moteur._rendre(self)

    async def fermer(self) -> None:
        await super().close()


class _Lot(AsyncBatch):
    """Piccolo 1.38's SQLite batch compiles its query for PostgreSQL ($1) and spreads the values
    as arguments: any batch with a WHERE clause fails. The same batch, compiled for SQLite."""

    async def __aenter__(self) -> _Lot:
        requete, args = self.query.querystrings[0].compile_string(engine_type="sqlite")
        self._cursor = await self.connection.execute(requete, args)
        return self


class MoteurSQLite(SQLiteEngine):
    """Piccolo's SQLite engine with a pool: the stock engine opens a connection (and its thread) for
    every query, most of a page's time (bench/RESULTS.md, « Moteur SQLite »). Here connections are
    kept and lent, to one transaction or one query at a time, whatever the event loop.

    A kept connection follows the file at its path: when the file is gone or replaced, it is
    dropped rather than left writing to a file nobody will read again. The file is opened, never
    created (created only by `portail migrate`), so a missing database is an outage, not a new
    empty base."""

    GARDEES = 8  # idle connections kept

    def __init__(self, path: str, **kwargs) -> None:
        super().__init__(path=path, **kwargs)
        if self.get_version_sync() < 3.35:  # RETURNING, which every write of the portal uses
            raise SystemExit("SQLite 3.35 au moins est nécessaire.")
        self._libres: list[_Connexion] = []
        self._verrou = threading.Lock()
        self._sur_place = threading.local()

    def _fichier(self) -> tuple[int, int]:
        """The identity of the file now at the path (device, inode)."""
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise sqlite3.OperationalError("unable to open database file") from exc
        return st.st_dev, st.st_ino

    def _connecteur(self):
        # autocommit: isolation_level=None (Piccolo's default); mode=rw: never create the file here.
        options = {**self.connection_kwargs, "database": f"file:{quote(os.path.realpath(self.path))}?mode=rw", "uri": True}
        return lambda: sqlite3.connect(**options)

    def creer_fichier(self) -> None:
        """An empty database file where none is (what `portail migrate` starts from)."""
        if not os.path.exists(self.path):
            with open(self.path, "ab"):
                pass

    async def get_connection(self) -> _Connexion:  # type: ignore[override]
        fichier = self._fichier()
        perimees = []
        with self._verrou:
            while self._libres:
                cx = self._libres.pop()
                if cx.fichier == fichier:
                    break
                perimees.append(cx)
            else:
                cx = None
        for vieille in perimees:
            await vieille.fermer()
        if cx is None:
            cx = await _Connexion(self._connecteur(), fichier, self)
            cx.row_factory = dict_factory
            await cx.execute("PRAGMA foreign_keys = 1")
        return cx

    async def batch(self, query, batch_size: int = 100, node: str | None = None) -> _Lot:
        return _Lot(connection=await self.get_connection(), query=query, batch_size=batch_size)

    def lire_sur_place(self, requete: str, args) -> list[dict] | None:
        """The rows of a read by key, on this thread's own connection (see lire_par_cle); None when
        SQLite is busy, which it does not wait for here (busy_timeout 0)."""
        fichier = self._fichier()
        cx, de = getattr(self._sur_place, "cx", None), getattr(self._sur_place, "fichier", None)
        if cx is None or de != fichier:
            if cx is not None:
                cx.close()
            cx = self._sur_place.cx = self._connecteur()()
            self._sur_place.fichier = fichier
            cx.row_factory = dict_factory
            cx.execute("PRAGMA busy_timeout = 0")
        try:
            return cx.execute(requete, args).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            cx.close()
            self._sur_place.cx = None
            raise

    async def _rendre(self, cx: _Connexion) -> None:
        with self._verrou:
            if len(self._libres) < self.GARDEES:
                self._libres.append(cx)
                return
        await cx.fermer()

    async def _executer(self, requete: str, args) -> list[dict]:
        """One statement and its rows, in one trip to the connection's thread: on the transaction's
        connection inside one, else on a connection lent for this statement alone."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await transaction.connection.execute_fetchall(requete, args)
        cx = await self.get_connection()
        try:
            return await cx.execute_fetchall(requete, args)
        finally:
            await cx.close()

    async def run_querystring(self, querystring, in_pool: bool = False):
        requete, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._executer(requete, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False):
        return await self._executer(ddl, [])


class ConnexionPostgres(asyncpg.Connection):
    """asyncpg's connection, given back to the pool without its reset query (« SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL »): one round trip per query, three
    per list request. The portal leaves none of that state on a connection: no advisory lock, no
    LISTEN, no session-level SET (only SET LOCAL), cursors only inside transactions. An open
    transaction is still rolled back on release (asyncpg does that apart from the query)."""

    def get_reset_query(self) -> str:
        return ""


PLANS_SUR_MESURE = "force_custom_plan"


class MoteurPostgres(PostgresEngine):
    """Piccolo's PostgreSQL engine, with a second, smaller pool for lire_planifie, whose
    connections plan each statement for its values. The main pool's keep PostgreSQL's own plan
    caching: planning the session's read again on every request cost 0.45 ms for its 0.04 ms of
    execution (bench/RESULTS.md, « Où passe le temps »)."""

    pool_planifie: asyncpg.Pool | None = None

    def config_planifiee(self) -> dict:
        return {**self.config, "server_settings": {"plan_cache_mode": PLANS_SUR_MESURE}}

    async def start_connection_pool(self, **kwargs) -> None:
        """`max_size` counts both pools: the server's connections stay what the operator planned
        for (README, « En production »). A quarter, at least two, goes to the lists: a list
        request reads its page and its count at once."""
        total = kwargs.get("max_size", 10)
        taille = max(2, total // 4)
        await super().start_connection_pool(**{**kwargs, "max_size": max(total - taille, kwargs.get("min_size", 1))})
        self.pool_planifie = await asyncpg.create_pool(**self.config_planifiee(), min_size=1, max_size=taille)

    async def close_connection_pool(self) -> None:
        if self.pool_planifie is not None:
            await self.pool_planifie.close()
            self.pool_planifie = None
        await super().close_connection_pool()


def config_postgres(url: str) -> dict:
    """asyncpg's connection settings for a postgresql:// URL (the engine, bench/ and its test)."""
    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username or ""),
        "password": unquote(parsed.password or "") or None,
        "database": parsed.path.lstrip("/"),
        # PostgreSQL's own plan caching, but for the lists read with lire_planifie (MoteurPostgres).
        "connection_class": ConnexionPostgres,
    }


def engine_from_url(url: str) -> SQLiteEngine | PostgresEngine:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        # A busy timeout lets concurrent writers queue instead of failing at once.
        return MoteurSQLite(path=str(path), timeout=30)
    if parsed.scheme in ("postgres", "postgresql"):
        return MoteurPostgres(config=config_postgres(url))
    raise SystemExit(f"PORTAIL_DATABASE_URL : schéma non pris en charge ({parsed.scheme!r}).")


_moteur: SQLiteEngine | PostgresEngine | None = None


def moteur() -> SQLiteEngine | PostgresEngine:
    """The engine piccolo_conf.py built, found once and kept, as each Piccolo table keeps it: the
    one way to reach it. (Piccolo's engine_finder imports piccolo_conf anew on each call, 8 µs, and
    the session's read asks on every request.)"""
    global _moteur
    if _moteur is None:
        from piccolo.engine.finder import engine_finder

        _moteur = engine_finder()
    return _moteur


def est_sqlite() -> bool:
    return moteur().engine_type == "sqlite"


async def lire_par_cle(requete: QueryString) -> list[dict]:
    """The few rows of a read by key that a request makes every time (its session, the principal's
    reminder on the home page). On SQLite it runs on the event loop's own thread: the trip to a
    connection's thread and back cost the process more processor than the read (0.36 ms per query
    under load, for a lookup of 0.01 ms: mostly the GIL handed back and forth), and in WAL mode a
    reader never waits for a writer. When SQLite is busy all the same, and inside a transaction
    (whose connection sees what it wrote), the usual way."""
    engine = moteur()
    if isinstance(engine, MoteurSQLite) and engine.current_transaction.get() is None:
        lignes = engine.lire_sur_place(*requete.compile_string(engine_type="sqlite"))
        if lignes is not None:
            return lignes
    return [dict(ligne) for ligne in await engine.run_querystring(requete)]


async def lire_planifie(requete: QueryString) -> list[dict]:
    """The rows of a list whose best plan depends on how many rows its values select (an
    organisation of 20 accounts or of 20,000, « M » or « MARTIN »), planned for its values on
    every run. asyncpg prepares and keeps each statement, and after five runs PostgreSQL may keep
    a generic plan made for the average organisation: for one of 20,000 it sorted thousands of
    rows where an index gives the page of 20. So these run on connections set to plan each
    statement for its values (MoteurPostgres.pool_planifie); the rest keep PostgreSQL's own plan
    caching. SQLite plans every statement anyway."""
    engine = moteur()
    if not isinstance(engine, MoteurPostgres):
        return [dict(ligne) for ligne in await engine.run_querystring(requete)]
    sql, valeurs = requete.compile_string(engine_type=engine.engine_type)

    async def lire(cx: asyncpg.Connection) -> list[dict]:
        return [dict(ligne) for ligne in await cx.fetch(sql, *valeurs)]

    transaction = engine.current_transaction.get()
    if transaction is not None:  # on its connection, which sees what it wrote (so is the rest of the transaction)
        await transaction.connection.execute(f"SET LOCAL plan_cache_mode = {PLANS_SUR_MESURE}")
        return await lire(transaction.connection)
    if engine.pool_planifie is not None:
        async with engine.pool_planifie.acquire() as cx:
            return await lire(cx)
    cx = await asyncpg.connect(**engine.config_planifiee())  # no pool: unit tests, the command line
    try:
        return await lire(cx)
    finally:
        await cx.close()


def ecriture():
    """A write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
    so two concurrent writers queue instead of failing on a lock upgrade. Nested, it joins the
    transaction already open."""
    from piccolo.engine.sqlite import TransactionType

    engine = moteur()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def verrouiller(table, *ids: int, partage: bool = False) -> None:
    """The one way rows are locked (or `pour_partage`, in a hand-written read of them), inside
    `ecriture()`: on PostgreSQL `SELECT … FOR UPDATE` (or `FOR SHARE`: others may read-lock too,
    nobody writes) on these rows until the commit; on SQLite nothing, since BEGIN IMMEDIATE
    already serialises every writer. Read the rows after locking them: what a concurrent
    transaction committed meanwhile is then seen."""
    if est_sqlite() or not ids:
        return
    force = "SHARE" if partage else "UPDATE"
    # Hand-written: a sign-in locks two rows, and building Piccolo's select cost more than running it.
    lignes = ", ".join("{}" for _ in ids)
    await table.raw(f"SELECT id FROM {table._meta.get_formatted_tablename()} WHERE id IN ({lignes}) FOR {force}", *ids)


def pour_partage() -> str:
    """The clause that makes a hand-written `SELECT … FROM <one table>` read-lock the rows it
    returns, as `verrouiller(…, partage=True)` then a read would, in one round trip instead of two:
    ` FOR SHARE` on PostgreSQL (a row being written is waited for, then read as committed, and
    left out if it no longer matches), nothing on SQLite. Inside `ecriture()`."""
    return "" if est_sqlite() else " FOR SHARE"


def est_doublon(exc: BaseException) -> bool:
    """A unique constraint refused the write (SQLite or PostgreSQL)."""
    import sqlite3

    try:
        import asyncpg

        if isinstance(exc, asyncpg.UniqueViolationError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
