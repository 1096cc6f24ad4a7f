"""The one clock of the platform, and the business time zone.

Business decisions (due dates, periods, plans, token expiry, retention) read the time through a
`Clock` passed to them, never from `datetime.now`/`date.today`/`time.time`: tests then run at a
fixed or settable instant, and the suite passes at any hour, in any zone, across DST changes.
Monotonic timers (timeouts, durations) are not business time and stay on `time.monotonic`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

BUSINESS_TZ: tzinfo = ZoneInfo("Europe/Paris")


class Clock:
    """The wall clock: `now()` is an aware UTC datetime, `today()` the date in Paris."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(BUSINESS_TZ).date()

    def local_now(self) -> datetime:
        """Now in the business time zone (for display and local-day arithmetic)."""
        return self.now().astimezone(BUSINESS_TZ)

    def timestamp(self) -> float:
        """Seconds since the epoch, for protocols that want them (JWT `iat`/`exp`)."""
        return self.now().timestamp()


SYSTEM_CLOCK = Clock()


class FixedClock(Clock):
    """A clock that stands still until told otherwise (tests, replays, benchmarks)."""

    def __init__(self, instant: datetime) -> None:
        self._now = _aware(instant)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = _aware(instant)

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Moves the clock forward (`advance(hours=2)`), returns the new instant."""
        self._now += delta if delta is not None else timedelta(**units)
        return self._now


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An instant given as Paris wall-clock time (what the office would say), as UTC."""
    local = datetime(year, month, day, hour, minute, second, tzinfo=BUSINESS_TZ)
    return local.astimezone(UTC)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a clock instant needs a time zone")
    return instant.astimezone(UTC)
