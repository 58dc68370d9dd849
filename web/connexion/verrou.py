"""Brute-force delay: after 5 consecutive failures a counter waits 1 minute, doubling on
each further failure up to 30 minutes; a success or a renewal resets it. Failures are also limited
per client address, for clients without a device cookie (web.connexion.appareil).

Every counter is reserved before the password is checked, by one upsert that increments and
decides at once: concurrent requests can never get more checks than the threshold. The lock that
would follow a failure is set by the same statement, so the requests that arrive while a check is
running are refused; a success deletes the counter, lock included."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from web.tables import Compteur

SEUIL = 5
PLAFOND = timedelta(minutes=30)
# Beyond this many failures the delay is the ceiling: the doubling stops before any big number.
_DOUBLEMENTS = next(n for n in range(64) if timedelta(minutes=2**n) >= PLAFOND)
ECHECS_MAX = 1_000_000  # stored counts stop here (int4 column)
# Failures from one client address without a device cookie, whatever the identifiants (an office
# may share one address).
FENETRE_ADRESSE = timedelta(minutes=15)
MAX_PAR_ADRESSE = 50
# The owner of an identifiant is mailed about a lock at most this often.
ALERTE = timedelta(hours=24)


def delai(echecs: int) -> timedelta | None:
    """How long the counter waits after its `echecs`-th consecutive failure (no overflow: the
    exponent is bounded before any duration is built)."""
    if echecs < SEUIL:
        return None
    return min(timedelta(minutes=2 ** min(echecs - SEUIL, _DOUBLEMENTS)), PLAFOND)


def minutes_restantes(jusqua: datetime, maintenant: datetime) -> int:
    secondes = (jusqua - maintenant).total_seconds()
    return max(1, -(-int(secondes) // 60))


def cle_identifiant(identifiant: str, appareil: str | None) -> str:
    """One counter per (identifiant, device) and one per identifiant for every unknown device."""
    return f"c|{identifiant}|" + (f"a:{appareil}" if appareil else "inconnu")


def cle_adresse(adresse: str, usage: str = "connexion") -> str:
    return f"a|{usage}|{adresse[:45]}"


@dataclass(frozen=True)
class Reservation:
    cle: str
    admise: bool  # this request may check the password
    echecs: int  # counted with this one
    verrou_jusqua: datetime | None  # the lock now in force: refused until then; admitted: if the check fails

    def verrouille_si_echec(self, maintenant: datetime) -> bool:
        return self.admise and self.verrou_jusqua is not None and self.verrou_jusqua > maintenant


# The delays as parameters of the statement (echecs + 1 = SEUIL, SEUIL + 1, … the ceiling): the
# database picks one, no engine-specific date arithmetic.
_CAS = " ".join(f"WHEN compteur.echecs + 1 = {SEUIL + k} THEN {{}}" for k in range(_DOUBLEMENTS))
_SQL_IDENTIFIANT = f"""
INSERT INTO compteur (cle, echecs, verrou_jusqua, jeton, maj_le) VALUES ({{}}, 1, {{}}, {{}}, {{}})
ON CONFLICT (cle) DO UPDATE SET
  echecs = CASE WHEN compteur.verrou_jusqua > {{}} OR compteur.echecs >= {ECHECS_MAX} THEN compteur.echecs
                ELSE compteur.echecs + 1 END,
  verrou_jusqua = CASE WHEN compteur.verrou_jusqua > {{}} THEN compteur.verrou_jusqua
                       WHEN compteur.echecs + 1 < {SEUIL} THEN NULL {_CAS} ELSE {{}} END,
  jeton = CASE WHEN compteur.verrou_jusqua > {{}} THEN compteur.jeton ELSE {{}} END,
  maj_le = {{}}
RETURNING echecs, verrou_jusqua, jeton
"""


async def reserver(cle: str, maintenant: datetime) -> Reservation:
    """Counts this attempt as a failure before the check (a success deletes it), unless a lock is
    in force. One statement: the count and the decision cannot be split by another request."""
    jeton = secrets.token_hex(16)
    delais = [maintenant + delai(SEUIL + k) for k in range(_DOUBLEMENTS)]
    premier = maintenant + delai(1) if delai(1) else None
    rows = await Compteur.raw(
        _SQL_IDENTIFIANT,
        cle, premier, jeton, maintenant,
        maintenant, maintenant, *delais, maintenant + PLAFOND, maintenant, jeton, maintenant,
    )  # fmt: skip
    row = rows[0]
    return Reservation(cle, row["jeton"] == jeton, row["echecs"], _date(row["verrou_jusqua"]))


_SQL_ADRESSE = """
INSERT INTO compteur (cle, echecs, debut, maj_le) VALUES ({}, 1, {}, {})
ON CONFLICT (cle) DO UPDATE SET
  echecs = CASE WHEN compteur.debut IS NULL OR compteur.debut <= {} THEN 1
                WHEN compteur.echecs > {} THEN compteur.echecs ELSE compteur.echecs + 1 END,
  debut = CASE WHEN compteur.debut IS NULL OR compteur.debut <= {} THEN {} ELSE compteur.debut END,
  maj_le = {}
RETURNING echecs
"""


async def reserver_fenetre(cle: str, maximum: int, fenetre: timedelta, maintenant: datetime) -> bool:
    """One more attempt within the window of `cle`; False past `maximum` (nothing more is counted then)."""
    depuis = maintenant - fenetre
    rows = await Compteur.raw(_SQL_ADRESSE, cle, maintenant, maintenant, depuis, maximum, depuis, maintenant, maintenant)
    return rows[0]["echecs"] <= maximum


async def rendre(cle: str) -> None:
    """Gives back an attempt reserved in a window (it turned out to be no failure)."""
    await Compteur.raw("UPDATE compteur SET echecs = echecs - 1 WHERE cle = {} AND echecs > 0", cle)


async def effacer(cle: str) -> None:
    await Compteur.raw("DELETE FROM compteur WHERE cle = {}", cle)


async def effacer_identifiant(identifiant: str) -> None:
    """A renewal: every counter of this identifiant, trusted devices' and strangers'."""
    await Compteur.delete().where(Compteur.cle.like(f"c|{identifiant}|%"))


async def reclamer_alerte(cle: str, maintenant: datetime) -> bool:
    """True for the one request that may mail the owner about this lock (once per ALERTE)."""
    rows = await Compteur.raw(
        "UPDATE compteur SET alerte_le = {} WHERE cle = {} AND (alerte_le IS NULL OR alerte_le <= {}) RETURNING id",
        maintenant,
        cle,
        maintenant - ALERTE,
    )
    return bool(rows)


# A counter quiet this long is forgotten (its failures were not consecutive any more).
OUBLI = timedelta(hours=24)


async def purger(now: datetime) -> int:
    """Housekeeping (web.menage): counters untouched for OUBLI whose lock is over (their series of
    failures has ended)."""
    avant = now - OUBLI
    rows = await Compteur.raw(
        "DELETE FROM compteur WHERE maj_le < {} AND (verrou_jusqua IS NULL OR verrou_jusqua < {}) RETURNING id", avant, now
    )
    return len(rows)


def _date(valeur) -> datetime | None:
    """SQLite returns what RETURNING reads as stored text; PostgreSQL as a datetime."""
    if valeur is None or isinstance(valeur, datetime):
        return valeur
    return datetime.fromisoformat(valeur)
