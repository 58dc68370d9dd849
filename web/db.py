"""Database engine selection and transaction helpers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine


def engine_from_url(url: str) -> SQLiteEngine | PostgresEngine:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        # A busy timeout lets concurrent writers queue instead of failing at once.
        return SQLiteEngine(path=str(path), timeout=30)
    if parsed.scheme in ("postgres", "postgresql"):
        return PostgresEngine(
            config={
                "host": parsed.hostname or "127.0.0.1",
                "port": parsed.port or 5432,
                "user": unquote(parsed.username or ""),
                "password": unquote(parsed.password or "") or None,
                "database": parsed.path.lstrip("/"),
            }
        )
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
