"""Database outages: recognised, answered 503 with Retry-After, and logged twice per outage (when
it starts, when it ends), not once per request. Per process: each worker says it for itself."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger("portail.base")

REESSAYER_APRES = 30  # seconds, the Retry-After of a 503
SONDE = 0.5  # seconds between two checks while the database is away

# SQLite's words for a database it cannot reach or write (as opposed to a faulty query).
_SQLITE = ("unable to open database file", "disk i/o error", "database is locked", "database or disk is full", "readonly database")


def est_panne(exc: BaseException) -> bool:
    """Does this error say the database is unreachable, rather than the query wrong?"""
    for e in (exc, exc.__cause__):
        if e is None:
            continue
        if isinstance(e, sqlite3.OperationalError):
            return any(m in str(e).lower() for m in _SQLITE)
        if isinstance(e, ConnectionError | TimeoutError):  # refused, reset; includes asyncpg's connect timeout
            return True
        try:
            import asyncpg
        except ImportError:  # pragma: no cover
            continue
        if isinstance(e, asyncpg.PostgresConnectionError | asyncpg.exceptions.OperatorInterventionError):
            return True  # connection lost or refused; server shutting down or starting (57P01, 57P03)
        if isinstance(e, asyncpg.exceptions.InsufficientResourcesError):
            return True  # too many connections, disk full (class 53)
        if isinstance(e, asyncpg.InterfaceError) and "closed" in str(e):
            return True  # a pooled connection whose server went away
    return False


class _Etat:
    debut: float | None = None
    refusees = 0
    sonde: asyncio.Task | None = None


_etat = _Etat()


def en_panne() -> bool:
    return _etat.debut is not None


def signaler(exc: BaseException) -> None:
    """A request (or a background task) met the outage. The first one logs it and starts a probe
    that logs the end; the others only count."""
    _etat.refusees += 1
    if _etat.debut is not None:
        return
    _etat.debut = time.monotonic()
    log.error("base de données injoignable (%s) : le portail répond 503 jusqu'à son retour", type(exc).__name__)
    try:
        # A context of its own: its lines belong to no request.
        _etat.sonde = asyncio.get_running_loop().create_task(_sonder(), context=contextvars.Context())
    except RuntimeError:  # no event loop (a command): nothing to watch
        _etat.debut = None


async def verifier() -> None:
    """One trivial query: raises if the database cannot answer."""
    from web.tables import Utilisateur

    await Utilisateur.raw("SELECT 1")


async def _sonder() -> None:
    while True:
        await asyncio.sleep(SONDE)
        try:
            await verifier()
        except Exception as exc:  # noqa: BLE001 - still away, whatever the error says
            if not est_panne(exc):
                log.warning("sonde de la base : %s", type(exc).__name__)
            continue
        duree = time.monotonic() - (_etat.debut or time.monotonic())
        log.warning("base de données de nouveau joignable après %.1f s (%d refus pendant la panne)", duree, _etat.refusees)
        _etat.debut, _etat.refusees, _etat.sonde = None, 0, None
        return


async def reveil(*evenements: asyncio.Event, delai: float) -> None:
    """Until one of `evenements` is set or `delai` seconds have passed; then all are cleared."""
    attentes = [asyncio.ensure_future(e.wait()) for e in evenements]
    try:
        await asyncio.wait(attentes, timeout=delai, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for a in attentes:
            a.cancel()
    for e in evenements:
        e.clear()


async def en_boucle(tour: Callable[[], Awaitable[object]], attendre: Callable[[], Awaitable[object]], quoi: str) -> None:
    """A background task for the life of a `portail serve` process: `tour()`, then `attendre()`
    (an event or a timer), again and again. An outage is logged once (signaler), any other error
    each time, and the loop goes on."""
    while True:
        try:
            await tour()
        except Exception as exc:
            if est_panne(exc):
                signaler(exc)
            else:
                log.exception("%s interrompu", quoi)
        await attendre()
