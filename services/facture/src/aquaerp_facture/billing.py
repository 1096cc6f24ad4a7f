"""Automatic billing: contract periods (billing runs) and completed interventions, turned into
drafts that are issued at once.

A billing run plans one entry per contract and billing period from the contrat service's
billable items (all periods due by the run's date that no invoice covers yet: missed periods
are caught up). Each entry becomes one invoice; the key (contract line, period start) is stored
with the invoice under a unique constraint, so a period is never billed twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .documents import Address, Line, OperationCategory, Period, Unit, VatCategory, VatExemption
from .documents.mentions import format_date
from .documents.totals import round_cents
from .drafts import Draft, canonical_decimal, parse_unit
from .records import BillableItem, ContractBillables, CustomerRecord, InterventionRecord


class CannotBill(Exception):
    """An entry or intervention that cannot be invoiced as it is; the message says why."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One contract and one billing period of a run."""

    contract_id: str
    contract_number: str
    customer: CustomerRecord
    payment_days: int
    end_of_month: bool
    period_start: date
    period_end: date
    items: tuple[BillableItem, ...]

    @property
    def line_keys(self) -> list[tuple[str, date]]:
        """The exactly-once keys: (contract line, period start), one per line."""
        return sorted({(item.line_id, item.period_start) for item in self.items})

    def to_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer.to_json(),
            "payment_days": self.payment_days,
            "end_of_month": self.end_of_month,
            "items": [item.to_json() for item in self.items],
        }

    @classmethod
    def from_row(
        cls,
        *,
        contract_id: str,
        contract_number: str,
        period_start: date,
        period_end: date,
        billables: dict[str, Any],
    ) -> Entry:
        return cls(
            contract_id=contract_id,
            contract_number=contract_number,
            customer=CustomerRecord.from_json(billables["customer"]),
            payment_days=int(billables["payment_days"]),
            end_of_month=bool(billables["end_of_month"]),
            period_start=period_start,
            period_end=period_end,
            items=tuple(BillableItem.from_json(item) for item in billables["items"]),
        )

    def without_lines(self, billed: set[str]) -> Entry:
        """The entry minus the items of lines already billed for this period."""
        items = tuple(item for item in self.items if item.line_id not in billed)
        return Entry(
            self.contract_id,
            self.contract_number,
            self.customer,
            self.payment_days,
            self.end_of_month,
            self.period_start,
            self.period_end,
            items,
        )


def plan_entries(contracts: list[ContractBillables]) -> list[Entry]:
    """One entry per contract and billing period, items in the contrat service's order."""
    entries = []
    for contract in contracts:
        by_period: dict[date, list[BillableItem]] = defaultdict(list)
        for item in contract.items:
            by_period[item.period_start].append(item)
        for period_start, items in sorted(by_period.items()):
            entries.append(
                Entry(
                    contract_id=contract.contract_id,
                    contract_number=contract.contract_number,
                    customer=contract.customer,
                    payment_days=contract.payment_days,
                    end_of_month=contract.end_of_month,
                    period_start=period_start,
                    period_end=items[0].period_end,
                    items=tuple(items),
                )
            )
    return entries


def _vat(
    rate: Decimal, zero_rate_reason: str, label: str
) -> tuple[VatCategory, VatExemption | None]:
    if rate != 0:
        return VatCategory.STANDARD, None
    if not zero_rate_reason:
        raise CannotBill(
            f"line {label!r} has 0 % VAT and no exemption wording is configured"
            " (FACTURE_ZERO_RATE_EXEMPTION_REASON)"
        )
    return VatCategory.EXEMPT, VatExemption(zero_rate_reason)


def item_line(item: BillableItem, zero_rate_reason: str) -> Line:
    """An invoice line for a billable item. A whole period at one price prints quantity and
    unit price; a prorated part prints its days and the prorated amount as a lump sum (the
    contrat service's amount, exactly)."""
    rate = canonical_decimal(item.vat_rate)
    category, exemption = _vat(rate, zero_rate_reason, item.label)
    period = Period(item.start, item.end)
    unit = parse_unit(item.unit_code)
    whole = round_cents(item.quantity * item.unit_price_cents) == item.amount_cents
    if not item.prorated and unit is not None and whole:
        return Line(
            description=item.label,
            quantity=canonical_decimal(item.quantity),
            unit=unit,
            unit_price_cents=item.unit_price_cents,
            vat_rate=rate,
            vat_category=category,
            exemption=exemption,
            period=period,
        )
    return Line(
        description=(
            f"{item.label} – prorata {item.days}/{item.period_days} jours"
            f" du {format_date(item.start)} au {format_date(item.end)}"
        ),
        quantity=Decimal(1),
        unit=Unit.LUMP_SUM,
        unit_price_cents=item.amount_cents,
        vat_rate=rate,
        vat_category=category,
        exemption=exemption,
        period=period,
    )


def entry_draft(entry: Entry, zero_rate_reason: str) -> Draft:
    """The invoice content of an entry; CannotBill says why when there is none."""
    if not entry.items:
        raise CannotBill("nothing left to bill for this period")
    return Draft(
        lines=tuple(item_line(item, zero_rate_reason) for item in entry.items),
        operation_category=OperationCategory.SERVICES,
        contract_reference=entry.contract_number or None,
        billing_period=Period(entry.period_start, entry.period_end),
        payment_days=entry.payment_days,
        end_of_month=entry.end_of_month,
    )


# -- interventions ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class InterventionItem:
    description: str
    quantity: Decimal
    unit: str
    unit_price_cents: int
    vat_rate: Decimal


@dataclass(frozen=True, slots=True)
class LabourPrice:
    hourly_rate_cents: int
    vat_rate: Decimal
    parts_vat_rate: Decimal


def items_of_intervention(
    record: InterventionRecord, prices: LabourPrice
) -> list[InterventionItem]:
    """Billable parts, and the labour of billable (corrective, outside the contract) work."""
    items = [
        InterventionItem(
            part.description, part.quantity, part.unit, part.unit_price_cents, prices.parts_vat_rate
        )
        for part in record.parts
    ]
    if record.billable and record.labour_minutes > 0:
        hours = (Decimal(record.labour_minutes) / 60).quantize(Decimal("0.01"))
        items.insert(
            0,
            InterventionItem(
                f"Main d'œuvre – {record.label}" if record.label else "Main d'œuvre",
                hours,
                "HUR",
                prices.hourly_rate_cents,
                prices.vat_rate,
            ),
        )
    return items


def intervention_draft(
    items: list[InterventionItem],
    *,
    service_date: date | None,
    contract_reference: str | None,
    site_address: Address | None,
    payment_days: int,
    zero_rate_reason: str,
) -> Draft:
    """The invoice content of an intervention's billable items."""
    if not items:
        raise CannotBill("the intervention has nothing billable")
    lines = []
    for item in items:
        unit = parse_unit(item.unit)
        description = item.description
        if unit is None:
            # A technician's own unit word ("seau", "sac") prints with the description.
            unit, description = Unit.PIECE, f"{description} ({item.unit.strip()})"
        rate = canonical_decimal(item.vat_rate)
        category, exemption = _vat(rate, zero_rate_reason, item.description)
        lines.append(
            Line(
                description=description,
                quantity=canonical_decimal(item.quantity),
                unit=unit,
                unit_price_cents=item.unit_price_cents,
                vat_rate=rate,
                vat_category=category,
                exemption=exemption,
            )
        )
    labour = any(line.unit is Unit.HOUR for line in lines)
    goods = any(line.unit is not Unit.HOUR for line in lines)
    category = (
        OperationCategory.MIXED
        if goods and labour
        else OperationCategory.GOODS
        if goods
        else OperationCategory.SERVICES
    )
    return Draft(
        lines=tuple(lines),
        operation_category=category,
        contract_reference=contract_reference,
        delivery_address=site_address,
        delivery_date=service_date,
        payment_days=payment_days,
    )
