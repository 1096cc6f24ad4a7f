"""Dunning rules: levels by days past due, the 40 EUR recovery indemnity, late interest.

- Level 1, reminder (relance): an invoice `reminder_days` (7) past due.
- Level 2, formal notice (mise en demeure): `formal_notice_days` (30) past due. It claims, per
  invoice at that level, the fixed recovery indemnity of 40 EUR when the customer is a business
  (C. com. L441-10, D441-5) and the late interest: amount due x yearly late-penalty rate x days
  past due / 365, rounded half up to the cent (C. com. L441-10: due from the day after the due
  date, without a reminder).
- One letter per customer covers all its overdue invoices; it is written only when one of them
  reaches a level it has not reached before, so a daily run sends each level once per invoice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum

from .documents.mentions import RECOVERY_INDEMNITY_CENTS
from .documents.totals import round_cents


class DunningLevel(IntEnum):
    REMINDER = 1
    FORMAL_NOTICE = 2


REMINDER = DunningLevel.REMINDER
FORMAL_NOTICE = DunningLevel.FORMAL_NOTICE
LEVEL_NAMES: dict[int, str] = {REMINDER: "reminder", FORMAL_NOTICE: "formal_notice"}


@dataclass(frozen=True, slots=True)
class DunningRules:
    reminder_days: int
    formal_notice_days: int
    yearly_rate: Decimal  # percent

    def level(self, days_past_due: int) -> int:
        if days_past_due >= self.formal_notice_days:
            return FORMAL_NOTICE
        if days_past_due >= self.reminder_days:
            return REMINDER
        return 0

    def interest(self, amount_cents: int, days_past_due: int) -> int:
        return round_cents(Decimal(amount_cents) * self.yearly_rate / 100 * days_past_due / 365)


@dataclass(frozen=True, slots=True)
class Overdue:
    """An issued invoice past due, with the level it already reached."""

    invoice_id: uuid.UUID
    number: str
    due_date: date
    amount_due_cents: int
    is_business: bool
    reached_level: int


@dataclass(frozen=True, slots=True)
class LetterItem:
    invoice_id: uuid.UUID
    number: str
    due_date: date
    days_past_due: int
    amount_due_cents: int
    level: int
    indemnity_cents: int
    interest_cents: int

    def to_json(self) -> dict[str, object]:
        return {
            "invoice_id": str(self.invoice_id),
            "number": self.number,
            "due_date": self.due_date.isoformat(),
            "days_past_due": self.days_past_due,
            "amount_due_cents": self.amount_due_cents,
            "level": self.level,
            "indemnity_cents": self.indemnity_cents,
            "interest_cents": self.interest_cents,
        }


@dataclass(frozen=True, slots=True)
class Letter:
    level: int
    items: tuple[LetterItem, ...]

    @property
    def total_due_cents(self) -> int:
        return sum(item.amount_due_cents for item in self.items)

    @property
    def indemnity_cents(self) -> int:
        return sum(item.indemnity_cents for item in self.items)

    @property
    def interest_cents(self) -> int:
        return sum(item.interest_cents for item in self.items)


def compose_letter(invoices: list[Overdue], as_of: date, rules: DunningRules) -> Letter | None:
    """The letter a customer gets today, or None when no invoice reached a new level."""
    items = []
    new_level = False
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.number)):
        days = (as_of - invoice.due_date).days
        if days <= 0 or invoice.amount_due_cents <= 0:
            continue
        level = rules.level(days)
        new_level = new_level or level > invoice.reached_level
        formal = level == FORMAL_NOTICE
        items.append(
            LetterItem(
                invoice_id=invoice.invoice_id,
                number=invoice.number,
                due_date=invoice.due_date,
                days_past_due=days,
                amount_due_cents=invoice.amount_due_cents,
                level=level,
                indemnity_cents=RECOVERY_INDEMNITY_CENTS if formal and invoice.is_business else 0,
                interest_cents=rules.interest(invoice.amount_due_cents, days) if formal else 0,
            )
        )
    if not new_level:
        return None
    return Letter(level=max(item.level for item in items), items=tuple(items))


class DunningPreview(Exception):
    """Raised inside a dunning run's transaction to roll it back and hand its letters over."""

    def __init__(self, result: object) -> None:
        super().__init__("dunning preview")
        self.result = result
