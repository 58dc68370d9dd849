"""The one clock of the portal (UTC, timezone-aware)."""

from datetime import UTC, datetime


def maintenant() -> datetime:
    return datetime.now(UTC)
