"""Cron schedules: five-field expressions evaluated in a time zone (daylight saving aware)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

DEFAULT_TIMEZONE = "Europe/Paris"


class ScheduleError(ValueError):
    """An invalid cron expression."""


def check_cron(expression: str) -> None:
    if len(expression.split()) != 5:
        raise ScheduleError("must have five fields: minute hour day-of-month month day-of-week")
    try:
        CronSim(expression, datetime(2026, 1, 1))
    except CronSimError as error:
        raise ScheduleError(f"invalid cron expression: {error}") from None


def latest_fire_time(expression: str, timezone: str, now: datetime) -> datetime:
    """The last scheduled time at or before `now`, as an aware datetime in `timezone`."""
    local_now = now.astimezone(ZoneInfo(timezone)).replace(microsecond=0) + timedelta(seconds=1)
    return next(CronSim(expression, local_now, reverse=True))


def fire_context(scheduled_at: datetime) -> dict[str, str]:
    """What templates of a cron run see as `run.*` besides the run's identity."""
    return {
        "scheduled_at": scheduled_at.isoformat(),
        "scheduled_date": scheduled_at.date().isoformat(),
        "timezone": str(scheduled_at.tzinfo),
    }
