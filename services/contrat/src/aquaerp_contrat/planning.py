"""Maintenance plan schedules: an RFC 5545 RRULE during the plan's seasons, in a local time window.

A plan is a rhythm *during* its seasons: without seasons it runs all year; with seasons it has
visits only on days inside one of them (a day belongs to at most one season; a season may wrap
the year end, e.g. 10-01 to 04-30). Inside a season its own rule applies, or the plan's rule
when the season's is empty. Rules start (DTSTART) on the contract start date, Europe/Paris
local time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise

from aquaerp_runtime.clock import BUSINESS_TZ
from dateutil.rrule import rrule, rrulestr

from .domain import MaintenancePlan, Season
from .terms import Range, is_covered

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
            datetime.combine(self.day, plan.window_start, tzinfo=BUSINESS_TZ),
            datetime.combine(self.day, plan.window_end, tzinfo=BUSINESS_TZ),
        )


def _rule_days(text: str, anchor: date, first: date, last: date) -> list[date]:
    if not text:
        return []
    rule = _parse(text, datetime.combine(anchor, time()))
    found = rule.between(datetime.combine(first, time()), datetime.combine(last, time()), inc=True)
    return [moment.date() for moment in found]


def season_of(plan: MaintenancePlan, day: date) -> Season | None:
    return next((season for season in plan.seasons if season.contains(day)), None)


def runs_on(plan: MaintenancePlan, day: date) -> bool:
    """Whether `day` is in the plan's active period (all year without seasons)."""
    return not plan.seasons or season_of(plan, day) is not None


def occurrences(
    plan: MaintenancePlan, anchor: date, first: date, last: date, covered: list[Range]
) -> list[Occurrence]:
    """Visits of `plan` on first..last (inclusive), on covered days only, in date order.
    `anchor` is the rules' DTSTART day (the contract start)."""
    if first > last:
        return []
    if not plan.seasons:
        result = [Occurrence(day, "") for day in _rule_days(plan.rrule, anchor, first, last)]
    else:
        result = []
        for season in plan.seasons:
            rule = season.rrule or plan.rrule
            result += [
                Occurrence(day, season.name)
                for day in _rule_days(rule, anchor, first, last)
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
    season = season_of(plan, completed_on)
    text = (season.rrule or plan.rrule) if season else ("" if plan.seasons else plan.rrule)
    horizon = min(covered_until, completed_on + timedelta(days=800))
    if text:
        days = _rule_days(text, completed_on, completed_on + timedelta(days=1), horizon)
        if days and season_of(plan, days[0]) == season:
            return Occurrence(days[0], season.name if season else "")
    regular = occurrences(
        plan, anchor, completed_on + timedelta(days=1), horizon, [(completed_on, horizon)]
    )
    return regular[0] if regular else None


@dataclass(frozen=True, slots=True)
class PreviewVisit:
    day: date
    plan_index: int
    plan: MaintenancePlan
    season: str


@dataclass(frozen=True, slots=True)
class PreviewMonth:
    first_day: date
    visits: list[PreviewVisit]


PREVIEW_MONTHS = 12


def preview(
    plans: list[MaintenancePlan], start: date, end: date | None, first: date
) -> list[PreviewMonth]:
    """The visits of `plans` in the twelve months from `first`'s month, for a contract running
    from `start` (the rules' DTSTART) to `end` (open when None); none before `first`."""
    months = [_month_start(first, n) for n in range(PREVIEW_MONTHS + 1)]
    last = months[-1] - timedelta(days=1)
    covered: list[Range] = [(max(start, first), min(end, last) if end else last)]
    visits = sorted(
        (
            PreviewVisit(o.day, index, plan, o.season)
            for index, plan in enumerate(plans)
            for o in occurrences(plan, start, months[0], last, covered)
        ),
        key=lambda visit: (visit.day, visit.plan_index),
    )
    return [
        PreviewMonth(month, [v for v in visits if month <= v.day < following])
        for month, following in pairwise(months)
    ]


def _month_start(day: date, months_later: int) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)
