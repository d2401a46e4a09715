"""The store's clock: the one place that reads the time for what is stored and for "today"."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> str:
    """The current UTC time, to the microsecond, as stored in timestamps."""
    return utc_now().isoformat(timespec="microseconds")


def today() -> date:
    """Today in UTC: the day `update` scrapes and `digest` sends, the same on every machine
    (the lists Paperboy follows are dated in UTC)."""
    return utc_now().date()


def utc_now() -> datetime:
    """The current UTC time as a datetime (to compare with a time a web server sent)."""
    return datetime.now(UTC)
