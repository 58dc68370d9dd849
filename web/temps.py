"""The one clock of the portal (UTC, timezone-aware)."""

import calendar
from datetime import UTC, datetime


def maintenant() -> datetime:
    return datetime.now(UTC)


def mois_avant(d: datetime, n: int) -> datetime:
    """The same day `n` calendar months earlier (the month's last day when it is shorter)."""
    mois = d.month - 1 - n
    annee, mois = d.year + mois // 12, mois % 12 + 1
    return d.replace(year=annee, month=mois, day=min(d.day, calendar.monthrange(annee, mois)[1]))


def instant(valeur) -> datetime:
    """A computed timestamp (an aggregate, a CASE): PostgreSQL gives a datetime, SQLite the stored text."""
    return valeur if isinstance(valeur, datetime) else datetime.fromisoformat(str(valeur))
