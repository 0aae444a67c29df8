"""The audit's notion of time: institutions live in America/Asuncion, stores and reports keep UTC."""

from __future__ import annotations

import calendar
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


def months_after(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31/01 + 1 → 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
