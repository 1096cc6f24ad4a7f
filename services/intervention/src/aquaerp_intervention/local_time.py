"""Business time: dates and times of day are Europe/Paris wall-clock time; instants are UTC."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from aquaerp_runtime.clock import BUSINESS_TZ

MINUTES_PER_DAY = 24 * 60


def local_datetime(day: date, minute: int) -> datetime:
    """The instant at `minute` minutes after midnight on `day`, Paris wall clock."""
    # Aware datetime + timedelta is wall-clock arithmetic: the offset follows summer time.
    return datetime.combine(day, time(0), BUSINESS_TZ) + timedelta(minutes=minute)


def local_day(instant: datetime) -> date:
    return instant.astimezone(BUSINESS_TZ).date()


def minute_of_day(instant: datetime) -> int:
    local = instant.astimezone(BUSINESS_TZ)
    return local.hour * 60 + local.minute


def add_months(day: date, months: int) -> date:
    """The same day `months` later, on the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def clip_to_day(start: datetime, end: datetime, day: date) -> tuple[int, int] | None:
    """The part of [start, end) that falls on `day`, as minutes of that day; None if none."""
    day_start = local_datetime(day, 0)
    day_end = datetime.combine(day + timedelta(days=1), time(0), BUSINESS_TZ)
    lo, hi = max(start, day_start), min(end, day_end)
    if lo >= hi:
        return None
    first = 0 if lo == day_start else minute_of_day(lo)
    # An end within a minute counts as the whole minute: never shorter than the absence.
    partial = 1 if hi.second or hi.microsecond else 0
    last = MINUTES_PER_DAY if hi == day_end else minute_of_day(hi) + partial
    return first, max(first, last)


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
