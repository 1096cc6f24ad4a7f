"""Billable periods of a contract: what is due, per line, per calendar period, at which price.

Rules:
- Periods are calendar-aligned (months; quarters and half-years from January; years).
- A period is due in advance once it has started (on the contract start for the first one),
  in arrears once its last day is reached (on the last day in force when the contract ends
  inside it).
- Only days in force are billed: from the start date to the termination date (or the end of
  a fixed term), minus suspended days.
- The unit price of a day is the one in force on that day, so a price change or an indexation
  inside a period splits it into one item per price.
- Proration: amount = quantity x unit price x days billed / days in the period, rounded half
  up to the cent, per item. A whole period at one price is exactly quantity x unit price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .domain import Contract, ContractLine, ContractStatus, Timing
from .terms import ONE_DAY, covered_ranges, period_bounds


@dataclass(frozen=True, slots=True)
class BillableItem:
    line: ContractLine
    period_start: date
    period_end: date
    start: date
    end: date
    unit_price_cents: int
    amount_cents: int
    due_date: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def prorated(self) -> bool:
        return self.days < self.period_days

    @property
    def key(self) -> str:
        return f"{self.line.id}/{self.period_start.isoformat()}/{self.start.isoformat()}"


def prorated_amount(quantity_milli: int, unit_price_cents: int, days: int, period_days: int) -> int:
    """quantity x unit price x days / period_days, rounded half up to the cent (all >= 0)."""
    numerator = quantity_milli * unit_price_cents * days
    denominator = 1000 * period_days
    return (2 * numerator + denominator) // (2 * denominator)


def _price_segments(line: ContractLine, start: date, end: date) -> list[tuple[date, date, int]]:
    """start..end cut where the line's price changes: (first day, last day, unit price)."""
    segments = []
    segment_start, price = start, line.price_on(start)
    for point in line.prices:
        if segment_start < point.effective_date <= end:
            segments.append((segment_start, point.effective_date - ONE_DAY, price))
            segment_start, price = point.effective_date, point.unit_price_cents
    segments.append((segment_start, end, price))
    return segments


def billable_items(
    contract: Contract, up_to: date, from_date: date | None = None
) -> list[BillableItem]:
    """Items due by `up_to`, for periods starting on or after `from_date` when given."""
    if contract.status == ContractStatus.DRAFT or not contract.lines:
        return []
    months = contract.frequency.months
    in_advance = contract.timing == Timing.IN_ADVANCE
    last_covered = contract.last_covered_day
    period_start, period_end = period_bounds(contract.start_date, months)
    if from_date is not None and from_date > period_start:
        period_start, period_end = period_bounds(from_date, months)
        if period_start < from_date:
            period_start, period_end = period_bounds(period_end + ONE_DAY, months)
    items: list[BillableItem] = []
    while period_start <= up_to and (last_covered is None or period_start <= last_covered):
        if in_advance:
            due = max(period_start, contract.start_date)
        else:
            due = period_end if last_covered is None else min(period_end, last_covered)
        if due > up_to:
            break
        period_days = (period_end - period_start).days + 1
        ranges = covered_ranges(
            period_start, period_end, contract.start_date, last_covered, contract.suspensions
        )
        for line in contract.lines:
            for range_start, range_end in ranges:
                for start, end, price in _price_segments(line, range_start, range_end):
                    days = (end - start).days + 1
                    items.append(
                        BillableItem(
                            line=line,
                            period_start=period_start,
                            period_end=period_end,
                            start=start,
                            end=end,
                            unit_price_cents=price,
                            amount_cents=prorated_amount(
                                line.quantity_milli, price, days, period_days
                            ),
                            due_date=due,
                        )
                    )
        period_start, period_end = period_bounds(period_end + timedelta(days=1), months)
    return items
