"""Line amounts, VAT breakdown and totals, with the product's rounding rule.

The rule (the common French practice, and EN 16931 BR-CO-17):

1. A line's gross amount is quantity × unit price, rounded half-up to the cent.
   Its discount is gross × discount percent / 100, rounded half-up to the cent.
   Its net amount (BT-131) is gross − discount, in exact cents.
2. Lines and document-level allowances are grouped by VAT category and rate. The taxable
   amount of a group (BT-116) is the sum of its line net amounts minus its allowances.
3. The VAT of a group (BT-117) is taxable × rate / 100, rounded half-up to the cent,
   once per rate on the sum (never per line, so no rounding error accumulates).
4. Total VAT (BT-110) is the sum of the groups' VAT; the total including VAT (BT-112) is
   the total excluding VAT (BT-109) plus the total VAT. Everything is integer cents.

Amounts are positive on credit notes too: the document type gives the direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aquaerp_facture.documents.model import Document, Line, VatCategory, VatExemption

_HUNDRED = Decimal(100)


def round_cents(amount: Decimal) -> int:
    """Round an amount in cents half-up (half away from zero) to a whole cent."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class LineAmounts:
    gross_cents: int  # quantity × unit price
    discount_cents: int
    net_cents: int  # BT-131


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """One row of the VAT breakdown (BG-23)."""

    category: VatCategory
    rate: Decimal
    taxable_cents: int  # BT-116
    vat_cents: int  # BT-117
    exemption: VatExemption | None


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[LineAmounts, ...]  # in the order of the document's lines
    line_total_cents: int  # BT-106
    allowance_total_cents: int  # BT-107
    tax_basis_cents: int  # BT-109, total excluding VAT
    vat_breakdown: tuple[VatBreakdown, ...]  # standard rates from highest, then exemptions
    vat_total_cents: int  # BT-110
    grand_total_cents: int  # BT-112, total including VAT
    amount_due_cents: int  # BT-115


def line_amounts(line: Line) -> LineAmounts:
    gross = round_cents(line.quantity * line.unit_price_cents)
    discount = round_cents(gross * line.discount_percent / _HUNDRED)
    return LineAmounts(gross_cents=gross, discount_cents=discount, net_cents=gross - discount)


def compute_totals(document: Document) -> Totals:
    lines = tuple(line_amounts(line) for line in document.lines)
    taxable: dict[tuple[VatCategory, Decimal], int] = {}
    exemptions: dict[VatCategory, VatExemption] = {}
    for line, amounts in zip(document.lines, lines, strict=True):
        key = (line.vat_category, line.vat_rate)
        taxable[key] = taxable.get(key, 0) + amounts.net_cents
        if line.exemption is not None:
            exemptions.setdefault(line.vat_category, line.exemption)
    for allowance in document.allowances:
        key = (allowance.vat_category, allowance.vat_rate)
        taxable[key] = taxable.get(key, 0) - allowance.amount_cents

    breakdown = tuple(
        VatBreakdown(
            category=category,
            rate=rate,
            taxable_cents=amount,
            vat_cents=round_cents(amount * rate / _HUNDRED),
            exemption=exemptions.get(category),
        )
        # Standard ("S") first, highest rate first; then the other categories.
        for (category, rate), amount in sorted(
            taxable.items(),
            key=lambda item: (item[0][0].value != "S", item[0][0].value, -item[0][1]),
        )
    )
    line_total = sum(amounts.net_cents for amounts in lines)
    allowance_total = sum(allowance.amount_cents for allowance in document.allowances)
    tax_basis = line_total - allowance_total
    vat_total = sum(row.vat_cents for row in breakdown)
    grand_total = tax_basis + vat_total
    return Totals(
        lines=lines,
        line_total_cents=line_total,
        allowance_total_cents=allowance_total,
        tax_basis_cents=tax_basis,
        vat_breakdown=breakdown,
        vat_total_cents=vat_total,
        grand_total_cents=grand_total,
        amount_due_cents=grand_total,
    )
