"""Database engine selection and transaction helpers."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory


class _ConnexionTransaction:
    """A kept SQLite connection with a thread of its own, lent to one transaction at a time: what
    Piccolo's SQLiteTransaction asks of a connection (execute, close). Its own thread means a
    writer waiting for the lock never holds a thread that the lock's holder needs."""

    def __init__(self, moteur: SQLiteEngineReutilise) -> None:
        self.moteur = moteur
        self.fil = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-tx")
        self.fichier = moteur._fichier()
        self.cx = moteur._ouvrir(check_same_thread=False)

    async def execute(self, sql: str, args=()) -> list[dict]:
        return await asyncio.get_running_loop().run_in_executor(self.fil, lambda: self.cx.execute(sql, args).fetchall())

    async def close(self) -> None:
        """Back to the pool, never with a transaction left open."""
        if self.cx.in_transaction:
            await asyncio.get_running_loop().run_in_executor(self.fil, self.cx.rollback)
        self.moteur._rendre(self)

    def fermer(self) -> None:
        self.fil.submit(self.cx.close)
        self.fil.shutdown(wait=False)


class SQLiteEngineReutilise(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection (and a thread) for every query: about 2 ms
    each, most of a page's time. Here queries outside a transaction run on a few worker threads
    that each keep their connection open, and transactions borrow a kept connection; both work
    whatever the event loop.

    A kept connection follows the file at its path: when the file is gone or replaced, it is
    dropped rather than left writing to a file nobody will read again. The file is opened, never
    created (created only by `portail migrate`), so a missing database is an outage, not a new
    empty base."""

    GARDEES = 8  # idle transaction connections kept

    def __init__(self, path: str, **kwargs) -> None:
        super().__init__(path=path, **kwargs)
        self._executeur = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sqlite")
        self._local = threading.local()
        self._libres: list[_ConnexionTransaction] = []
        self._verrou = threading.Lock()

    def _fichier(self) -> tuple[int, int]:
        """The identity of the file now at the path (device, inode)."""
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise sqlite3.OperationalError("unable to open database file") from exc
        return st.st_dev, st.st_ino

    def _ouvrir(self, **options) -> sqlite3.Connection:
        # autocommit: isolation_level=None; mode=rw: never create the file here.
        uri = f"file:{quote(os.path.realpath(self.path))}?mode=rw"
        cx = sqlite3.connect(**{**self.connection_kwargs, "database": uri, "uri": True}, **options)
        cx.row_factory = dict_factory
        cx.execute("PRAGMA foreign_keys = 1")
        return cx

    def creer_fichier(self) -> None:
        """An empty database file where none is (what `portail migrate` starts from)."""
        if not os.path.exists(self.path):
            with open(self.path, "ab"):
                pass

    def _executer(self, query: str, args: list) -> list[dict]:
        fichier = self._fichier()
        cx = getattr(self._local, "cx", None)
        if cx is not None and self._local.fichier != fichier:
            cx.close()
            cx = None
        if cx is None:
            cx = self._local.cx = self._ouvrir()
            self._local.fichier = fichier
        return cx.execute(query, args).fetchall()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING: Piccolo's way
            return await super()._run_in_new_connection(query, args, query_type, table)
        return await asyncio.get_running_loop().run_in_executor(self._executeur, self._executer, query, args or [])

    async def get_connection(self) -> _ConnexionTransaction:  # type: ignore[override]
        fichier = self._fichier()
        with self._verrou:
            while self._libres:
                connexion = self._libres.pop()
                if connexion.fichier == fichier:
                    return connexion
                connexion.fermer()
        return _ConnexionTransaction(self)

    def _rendre(self, connexion: _ConnexionTransaction) -> None:
        with self._verrou:
            if len(self._libres) < self.GARDEES:
                self._libres.append(connexion)
                return
        connexion.fermer()

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        return await connection.execute(query, args or [])


def config_postgres(url: str) -> dict:
    """asyncpg's connection settings for a postgresql:// URL (the engine, bench/ and its test)."""
    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username or ""),
        "password": unquote(parsed.password or "") or None,
        "database": parsed.path.lstrip("/"),
    }


def engine_from_url(url: str) -> SQLiteEngine | PostgresEngine:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        # A busy timeout lets concurrent writers queue instead of failing at once.
        return SQLiteEngineReutilise(path=str(path), timeout=30)
    if parsed.scheme in ("postgres", "postgresql"):
        return PostgresEngine(config=config_postgres(url))
    raise SystemExit(f"PORTAIL_DATABASE_URL : schéma non pris en charge ({parsed.scheme!r}).")


def ecriture():
    """A write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
    so two concurrent writers queue instead of failing on a lock upgrade."""
    from piccolo.engine.sqlite import TransactionType

    from web.tables import Utilisateur

    engine = Utilisateur._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


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
