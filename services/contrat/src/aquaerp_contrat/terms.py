"""Calendar rules of a contract: coverage, terms and renewal, notice windows, anniversaries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from .domain import Suspension

ONE_DAY = timedelta(days=1)

# C. consommation L215-1: the consumer is told between 3 months and 1 month before the
# deadline to refuse renewal.
NOTICE_WINDOW_OPENS = relativedelta(months=3)
NOTICE_WINDOW_CLOSES = relativedelta(months=1)

Range = tuple[date, date]


def covered_ranges(
    first: date,
    last: date,
    start: date,
    last_covered: date | None,
    suspensions: Iterable[Suspension],
) -> list[Range]:
    """Days of first..last (inclusive) the contract is in force and not suspended."""
    low = max(first, start)
    high = last if last_covered is None else min(last, last_covered)
    if low > high:
        return []
    ranges = [(low, high)]
    for suspension in suspensions:
        cut_start = suspension.start
        cut_end = suspension.end or date.max
        kept: list[Range] = []
        for a, b in ranges:
            if cut_end < a or cut_start > b:
                kept.append((a, b))
                continue
            if a < cut_start:
                kept.append((a, cut_start - ONE_DAY))
            if cut_end < b:
                kept.append((cut_end + ONE_DAY, b))
        ranges = kept
    return ranges


def is_covered(day: date, ranges: list[Range]) -> bool:
    return any(a <= day <= b for a, b in ranges)


def next_term_end(end_date: date, months: int) -> date:
    """Last day of the next term: a term ending on 31 Dec 2026 renewed for 12 months ends on
    31 Dec 2027; one ending on 28 Feb 2026 ends on 28 Feb 2027."""
    next_end: date = end_date + ONE_DAY + relativedelta(months=months) - ONE_DAY
    return next_end


def renewal_deadline(end_date: date, notice_period_days: int) -> date:
    """Last day the customer can refuse the renewal of a term ending on `end_date`."""
    return end_date - timedelta(days=notice_period_days)


@dataclass(frozen=True)
class NoticeWindow:
    deadline: date
    opens: date
    closes: date

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def notice_window(end_date: date, notice_period_days: int) -> NoticeWindow:
    deadline = renewal_deadline(end_date, notice_period_days)
    return NoticeWindow(deadline, deadline - NOTICE_WINDOW_OPENS, deadline - NOTICE_WINDOW_CLOSES)


def anniversary(start: date, years: int) -> date:
    """The `years`-th anniversary of `start` (29 February falls on 28 February)."""
    day: date = start + relativedelta(years=years)
    return day


def anniversary_number(start: date, day: date) -> int | None:
    """k when `day` is the k-th anniversary (k >= 1) of `start`, else None."""
    years = day.year - start.year
    if years >= 1 and anniversary(start, years) == day:
        return years
    return None


def anniversaries_between(start: date, after: date, until: date) -> list[date]:
    """Anniversaries of `start` strictly after `after` and up to `until`, in order."""
    result: list[date] = []
    years = max(1, after.year - start.year)
    while True:
        day = anniversary(start, years)
        if day > until:
            return result
        if day > after:
            result.append(day)
        years += 1


def period_bounds(day: date, months: int) -> Range:
    """The calendar billing period of `months` months containing `day` (months, quarters from
    January, half-years from January, years). Plain arithmetic: called for every contract
    and period of a billing run."""
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    after = first_month - 1 + months  # months since January of the month after the period
    return start, date(day.year + after // 12, after % 12 + 1, 1) - ONE_DAY


def due_date(invoice_date: date, days: int, end_of_month: bool) -> date:
    """Payment due date: invoice date + days, then the end of that month when asked."""
    due = invoice_date + timedelta(days=days)
    if end_of_month:
        due = due + relativedelta(day=31)
    return due
