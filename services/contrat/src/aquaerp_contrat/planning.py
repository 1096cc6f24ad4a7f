"""Maintenance plan schedules: RFC 5545 RRULEs with seasonal overrides and a local time window.

A day belongs to at most one season; on days outside every season the plan's default rule
applies, inside a season that season's rule (an empty rule means no visits then). Rules start
(DTSTART) on the contract start date at the window start, Europe/Paris local time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr  # type: ignore[import-untyped]

from .domain import MaintenancePlan, Season
from .terms import Range, is_covered

PARIS = ZoneInfo("Europe/Paris")
ALLOWED_FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}
# The contract bounds the schedule and the window gives the time, so COUNT, UNTIL and BYHOUR
# are out; BYSETPOS, BYYEARDAY and BYWEEKNO are left out because some of their combinations
# never produce a date, which the rule engine would search for until the year 9999.
ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# A leap year, to check seasons against every possible month-day.
_LEAP_YEAR_DAYS = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]


def normalize_rrule(text: str) -> str:
    """Upper case, without an "RRULE:" prefix or spaces."""
    text = re.sub(r"\s", "", text).upper()
    return text.removeprefix("RRULE:")


def rrule_error(text: str) -> str | None:
    """Why `text` (normalised) is not an acceptable plan rule, or None."""
    if not text:
        return "a rule is required"
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, _, value = part.partition("=")
        if not name or not value:
            return f"malformed rule part {part!r}"
        parts[name] = value
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        return "FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY"
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        return f"{', '.join(unknown)} not allowed (use FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH)"
    if error := _values_error(parts):
        return error
    try:
        rule = _parse(text, datetime(2026, 1, 1, 8, 0))
        if rule.after(datetime(2026, 1, 1)) is None:
            return "the rule never produces a visit"
    except (ValueError, TypeError, IndexError) as error:
        return f"invalid rule: {error}"
    return None


def _integers(value: str) -> list[int] | None:
    try:
        return [int(v) for v in value.split(",")]
    except ValueError:
        return None


def _values_error(parts: dict[str, str]) -> str | None:
    interval = _integers(parts.get("INTERVAL", "1"))
    if interval is None or len(interval) != 1 or not 1 <= interval[0] <= 366:
        return "INTERVAL must be a number from 1 to 366"
    months = _integers(parts.get("BYMONTH", "1"))
    if months is None or not all(1 <= m <= 12 for m in months):
        return "BYMONTH values must be 1 to 12"
    month_days = _integers(parts.get("BYMONTHDAY", "1"))
    if month_days is None or not all(1 <= abs(d) <= 31 for d in month_days):
        return "BYMONTHDAY values must be 1 to 31 (or -31 to -1)"
    if "BYMONTHDAY" in parts and not _month_days_possible(parts):
        return "no month has such a day"
    for weekday in parts.get("BYDAY", "MO").split(","):
        match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", weekday)
        if match is None or (match.group(1) and not 1 <= abs(int(match.group(1))) <= 5):
            return f"invalid BYDAY value {weekday!r}"
    return None


def _month_days_possible(parts: dict[str, str]) -> bool:
    months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else range(1, 13)
    days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
    return any(1 <= abs(d) <= DAYS_IN_MONTH[m - 1] for m in months for d in days)


def seasons_error(seasons: tuple[Season, ...]) -> str | None:
    for day in _LEAP_YEAR_DAYS:
        names = [s.name for s in seasons if s.contains(day)]
        if len(names) > 1:
            return f"seasons {names[0]!r} and {names[1]!r} overlap on {day:%d/%m}"
    return None


@lru_cache(maxsize=4096)
def _parse(text: str, dtstart: datetime) -> rrule:
    return rrulestr(text, dtstart=dtstart)


@dataclass(frozen=True, slots=True)
class Occurrence:
    day: date
    season: str

    def window(self, plan: MaintenancePlan) -> tuple[datetime, datetime]:
        """Start and end of the plan's window on that day, as aware Europe/Paris datetimes."""
        return (
            datetime.combine(self.day, plan.window_start, tzinfo=PARIS),
            datetime.combine(self.day, plan.window_end, tzinfo=PARIS),
        )


def _rule_days(text: str, anchor: date, first: date, last: date) -> list[date]:
    if not text:
        return []
    rule = _parse(text, datetime.combine(anchor, time()))
    found = rule.between(datetime.combine(first, time()), datetime.combine(last, time()), inc=True)
    return [moment.date() for moment in found]


def occurrences(
    plan: MaintenancePlan, anchor: date, first: date, last: date, covered: list[Range]
) -> list[Occurrence]:
    """Visits of `plan` on first..last (inclusive), on covered days only, in date order.
    `anchor` is the rules' DTSTART day (the contract start)."""
    if first > last:
        return []
    result = [
        Occurrence(day, "")
        for day in _rule_days(plan.rrule, anchor, first, last)
        if not any(season.contains(day) for season in plan.seasons)
    ]
    for season in plan.seasons:
        result += [
            Occurrence(day, season.name)
            for day in _rule_days(season.rrule, anchor, first, last)
            if season.contains(day)
        ]
    result.sort(key=lambda occurrence: occurrence.day)
    return [o for o in result if is_covered(o.day, covered)]


def next_after_completion(
    plan: MaintenancePlan, anchor: date, completed_on: date, covered_until: date
) -> Occurrence | None:
    """Next visit when the schedule restarts from the completion day: the rule in force on
    that day, anchored on it. When that lands in another season, the regular schedule of
    that season is used instead."""
    season = next((s for s in plan.seasons if s.contains(completed_on)), None)
    text = season.rrule if season else plan.rrule
    horizon = min(covered_until, completed_on + timedelta(days=800))
    if text:
        days = _rule_days(text, completed_on, completed_on + timedelta(days=1), horizon)
        if days:
            candidate = days[0]
            candidate_season = next((s for s in plan.seasons if s.contains(candidate)), None)
            if candidate_season == season:
                return Occurrence(candidate, season.name if season else "")
    regular = occurrences(
        plan, anchor, completed_on + timedelta(days=1), horizon, [(completed_on, horizon)]
    )
    return regular[0] if regular else None
