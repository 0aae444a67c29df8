"""The audit's notion of time: institutions live in America/Asuncion, stores and reports keep UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ASUNCION = ZoneInfo("America/Asuncion")


def utcnow() -> datetime:
    return datetime.now(tz=UTC)


def local_date(moment: datetime) -> date:
    """The calendar day in Paraguay at `moment`: what "expired" and "past its end date" are judged on."""
    return moment.astimezone(ASUNCION).date()


def local_text(moment: datetime) -> str:
    """A timestamp the way a reader in Paraguay expects it, with the offset shown."""
    return moment.astimezone(ASUNCION).strftime("%Y-%m-%d %H:%M (%z)")
