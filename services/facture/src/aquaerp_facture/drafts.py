"""Drafts: what the office enters, validated, stored as JSON, and turned into an engine
`Document` at issue.

Input is checked twice, by the same rules as an issued document: first here (numbers,
currencies, units), then by building a sample document with the engine, which applies every
legal and EN 16931 rule to the lines. Field paths in errors follow the request (`lines[1].vat_rate`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aquaerp_runtime.convert import EUR, MAX_CENTS
from aquaerp_runtime.convert import Address as PostalAddress
from aquaerp_runtime.errors import InvalidArgument

from .documents import (
    Address,
    Buyer,
    Document,
    DocumentType,
    InvoiceReference,
    Line,
    OperationCategory,
    Period,
    Seller,
    Unit,
    VatCategory,
    VatExemption,
)
from .records import CustomerRecord

MAX_PAYMENT_DAYS = 60  # C. com. L441-10
MAX_LINES = 200
# A line's quantity, in absolute value: with prices bounded by MAX_CENTS and at most MAX_LINES
# lines, every total fits a 64-bit integer (and is refused above MAX_CENTS, see the service).
MAX_QUANTITY = 1_000_000
MAX_TEXT = 1000

# French unit words (as technicians type them) -> UN/ECE Rec. 20 codes.
UNIT_WORDS = {
    "": Unit.PIECE,
    "u": Unit.PIECE,
    "unite": Unit.PIECE,
    "unité": Unit.PIECE,
    "piece": Unit.PIECE,
    "pièce": Unit.PIECE,
    "pc": Unit.PIECE,
    "pcs": Unit.PIECE,
    "h": Unit.HOUR,
    "heure": Unit.HOUR,
    "heures": Unit.HOUR,
    "j": Unit.DAY,
    "jour": Unit.DAY,
    "jours": Unit.DAY,
    "mois": Unit.MONTH,
    "an": Unit.YEAR,
    "l": Unit.LITRE,
    "litre": Unit.LITRE,
    "litres": Unit.LITRE,
    "kg": Unit.KILOGRAM,
    "m": Unit.METRE,
    "m2": Unit.SQUARE_METRE,
    "m²": Unit.SQUARE_METRE,
    "m3": Unit.CUBIC_METRE,
    "m³": Unit.CUBIC_METRE,
    "forfait": Unit.LUMP_SUM,
}


def parse_unit(text: str) -> Unit | None:
    """A UN/ECE code (C62, HUR, ...) or a French unit word; None when unknown."""
    cleaned = text.strip()
    try:
        return Unit(cleaned.upper())
    except ValueError:
        return UNIT_WORDS.get(cleaned.lower())


def canonical_decimal(value: Decimal) -> Decimal:
    """20.0 -> 20, 5.50 -> 5.5 (one spelling per value, for storage and display)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


@dataclass(frozen=True, slots=True)
class LineInput:
    """One line as received, before validation."""

    description: str
    quantity: str
    unit: str
    unit_price_cents: int
    currency: str = EUR
    discount_percent: str = ""
    vat_rate: str = ""
    vat_category: VatCategory | None = None
    exemption_reason: str = ""
    exemption_code: str = ""
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True, slots=True)
class DraftInput:
    """A draft's content as received, before validation."""

    customer_id: str
    lines: tuple[LineInput, ...]
    operation_category: OperationCategory | None = None
    purchase_order: str = ""
    contract_id: str = ""
    contract_reference: str = ""
    note: str = ""
    delivery_address: PostalAddress | None = None
    delivery_date: date | None = None
    billing_period_start: date | None = None
    billing_period_end: date | None = None
    payment_days: int | None = None
    end_of_month: bool = False


@dataclass(frozen=True, slots=True)
class Draft:
    """A valid draft: the content of a document but its number, date and buyer."""

    lines: tuple[Line, ...]
    operation_category: OperationCategory = OperationCategory.SERVICES
    purchase_order: str | None = None
    contract_reference: str | None = None
    note: str | None = None
    delivery_address: Address | None = None
    delivery_date: date | None = None
    billing_period: Period | None = None
    payment_days: int = 30
    end_of_month: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "lines": [_line_json(line) for line in self.lines],
            "operation_category": self.operation_category.value,
            "purchase_order": self.purchase_order,
            "contract_reference": self.contract_reference,
            "note": self.note,
            "delivery_address": _address_json(self.delivery_address),
            "delivery_date": _iso(self.delivery_date),
            "billing_period": _period_json(self.billing_period),
            "payment_days": self.payment_days,
            "end_of_month": self.end_of_month,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        return cls(
            lines=tuple(_line_from_json(line) for line in data["lines"]),
            operation_category=OperationCategory(data["operation_category"]),
            purchase_order=data.get("purchase_order"),
            contract_reference=data.get("contract_reference"),
            note=data.get("note"),
            delivery_address=_address_from_json(data.get("delivery_address")),
            delivery_date=_date_or_none(data.get("delivery_date")),
            billing_period=_period_from_json(data.get("billing_period")),
            payment_days=int(data.get("payment_days", 30)),
            end_of_month=bool(data.get("end_of_month", False)),
        )


# -- validation ------------------------------------------------------------------------------
def parse_draft(raw: DraftInput, *, default_payment_days: int) -> Draft:
    """The draft, or InvalidArgument naming every offending field."""
    out: dict[str, str] = {}
    if not raw.customer_id.strip():
        out["customer_id"] = "is required"
    lines = parse_lines(raw.lines, out)
    days = default_payment_days if raw.payment_days is None else raw.payment_days
    if not 0 <= days <= MAX_PAYMENT_DAYS:
        out["payment_terms.days"] = f"must be between 0 and {MAX_PAYMENT_DAYS} (art. L441-10)"
    for name in ("purchase_order", "contract_reference", "note"):
        if len(getattr(raw, name)) > MAX_TEXT:
            out[name] = f"is longer than {MAX_TEXT} characters"
    period = None
    if (raw.billing_period_start is None) != (raw.billing_period_end is None):
        out["billing_period_end"] = "give both the first and the last day of the period"
    elif raw.billing_period_start is not None and raw.billing_period_end is not None:
        period = Period(raw.billing_period_start, raw.billing_period_end)
    delivery = None
    if raw.delivery_address is not None:
        delivery = _address(raw.delivery_address, "delivery_address", out)
    if out:
        raise InvalidArgument("the invoice is not valid", fields=out)
    return Draft(
        lines=lines,
        operation_category=raw.operation_category or OperationCategory.SERVICES,
        purchase_order=raw.purchase_order.strip() or None,
        contract_reference=raw.contract_reference.strip() or None,
        note=raw.note.strip() or None,
        delivery_address=delivery,
        delivery_date=raw.delivery_date,
        billing_period=period,
        payment_days=days,
        end_of_month=raw.end_of_month,
    )


def parse_lines(raw_lines: tuple[LineInput, ...], out: dict[str, str]) -> tuple[Line, ...]:
    if not raw_lines:
        out["lines"] = "at least one line is required"
    if len(raw_lines) > MAX_LINES:
        out["lines"] = f"at most {MAX_LINES} lines"
    lines = []
    for index, raw in enumerate(raw_lines):
        line = _line(raw, f"lines[{index}]", out)
        if line is not None:
            lines.append(line)
    return tuple(lines)


def _decimal(text: str, path: str, out: dict[str, str], *, default: str | None = None) -> Decimal:
    cleaned = text.strip().replace(",", ".")
    if not cleaned and default is not None:
        return Decimal(default)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        out[path] = "must be a decimal number, e.g. 2.5"
        return Decimal(0)
    if not value.is_finite():
        out[path] = "must be a finite number"
        return Decimal(0)
    return value


def _line(raw: LineInput, path: str, out: dict[str, str]) -> Line | None:
    before = len(out)
    if len(raw.description) > MAX_TEXT:
        out[f"{path}.description"] = f"is longer than {MAX_TEXT} characters"
    quantity = _decimal(raw.quantity, f"{path}.quantity", out)
    if abs(quantity) > MAX_QUANTITY:
        out[f"{path}.quantity"] = f"at most {MAX_QUANTITY:,} in absolute value"
    discount = _decimal(raw.discount_percent, f"{path}.discount_percent", out, default="0")
    if not 0 <= discount <= 100:
        out[f"{path}.discount_percent"] = "between 0 and 100"
    if abs(raw.unit_price_cents) > MAX_CENTS:
        out[f"{path}.unit_price.amount_cents"] = "amount out of range"
    rate = canonical_decimal(_decimal(raw.vat_rate, f"{path}.vat_rate", out))
    unit = parse_unit(raw.unit)
    if unit is None:
        out[f"{path}.unit_code"] = "unknown unit: use C62, HUR, DAY, MON, ANN, LTR, KGM, MTR, LS"
    if raw.currency not in ("", EUR):
        out[f"{path}.unit_price.currency"] = "only EUR is supported"
    category = raw.vat_category or (VatCategory.EXEMPT if rate == 0 else VatCategory.STANDARD)
    exemption = None
    if raw.exemption_reason.strip():
        exemption = VatExemption(raw.exemption_reason.strip(), raw.exemption_code.strip() or None)
    period = None
    if (raw.period_start is None) != (raw.period_end is None):
        out[f"{path}.period_end"] = "give both the first and the last day of the period"
    elif raw.period_start is not None and raw.period_end is not None:
        period = Period(raw.period_start, raw.period_end)
    if len(out) > before or unit is None:
        return None
    return Line(
        description=raw.description.strip(),
        quantity=canonical_decimal(quantity),
        unit=unit,
        unit_price_cents=raw.unit_price_cents,
        vat_rate=rate,
        vat_category=category,
        discount_percent=discount,
        exemption=exemption,
        period=period,
    )


def _address(raw: PostalAddress, path: str, out: dict[str, str]) -> Address | None:
    if not any(line.strip() for line in raw.lines):
        out[f"{path}.lines"] = "is required"
        return None
    return printed_address(raw)


def printed_address(value: PostalAddress) -> Address:
    """A postal address as a document prints it: its first line, then the others joined."""
    lines = [line.strip() for line in value.lines if line.strip()]
    return Address(
        line1=lines[0] if lines else "",
        line2=" ".join(lines[1:]) or None,
        postal_code=value.postal_code.strip(),
        city=value.city.strip(),
        country_code=(value.country.strip() or "FR").upper(),
    )


def postal_address(address: Address) -> PostalAddress:
    """A document's address as a postal address (its lines, empty ones left out)."""
    return PostalAddress(
        lines=tuple(line for line in (address.line1, address.line2) if line),
        postal_code=address.postal_code,
        city=address.city,
        country=address.country_code,
    )


# Stands in for the customer when a draft is checked before issue.
_SAMPLE_BUYER = Buyer("Client", Address("1 rue de l'Exemple", "34000", "Montpellier"), False)


def check_with_engine(
    draft: Draft,
    seller: Seller,
    today: date,
    *,
    credit_note: bool = False,
) -> Document:
    """Builds a sample document from the draft: raises InvalidDocument (fields as in the
    request) when a line or term breaks a legal or EN 16931 rule."""
    return build_document(
        draft,
        type=DocumentType.CREDIT_NOTE if credit_note else DocumentType.INVOICE,
        number="BROUILLON",
        issue_date=today,
        seller=seller,
        buyer=_SAMPLE_BUYER,
        corrected=InvoiceReference("BROUILLON", today) if credit_note else None,
    )


# -- documents ------------------------------------------------------------------------------
def due_date(issue_date: date, days: int, end_of_month: bool) -> date:
    """Issue date + days; with end_of_month, the last day of that month ("45 jours fin de
    mois" style)."""
    due = issue_date + timedelta(days=days)
    if end_of_month:
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


def buyer_of(customer: CustomerRecord) -> Buyer:
    """The buyer snapshot frozen in a document at issue."""
    return Buyer(
        name=customer.name,
        address=customer.address,
        is_business=customer.is_business,
        siren=customer.siren or None,
        vat_number=customer.vat_number or None,
        customer_number=customer.code or None,
        email=customer.email or None,
    )


def build_document(
    draft: Draft,
    *,
    type: DocumentType,
    number: str,
    issue_date: date,
    seller: Seller,
    buyer: Buyer,
    corrected: InvoiceReference | None = None,
) -> Document:
    credit_note = type is DocumentType.CREDIT_NOTE
    return Document(
        type=type,
        number=number,
        issue_date=issue_date,
        due_date=None
        if credit_note
        else due_date(issue_date, draft.payment_days, draft.end_of_month),
        seller=seller,
        buyer=buyer,
        lines=draft.lines,
        operation_category=draft.operation_category,
        delivery_date=draft.delivery_date,
        billing_period=draft.billing_period,
        delivery_address=draft.delivery_address,
        purchase_order=draft.purchase_order,
        contract_reference=draft.contract_reference,
        corrected_invoice=corrected,
        note=draft.note,
    )


# -- JSON ------------------------------------------------------------------------------------
def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _period_json(period: Period | None) -> dict[str, str] | None:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()} if period else None


def _period_from_json(data: dict[str, str] | None) -> Period | None:
    if not data:
        return None
    return Period(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def _address_json(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "line1": address.line1,
        "line2": address.line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "country_code": address.country_code,
    }


def _address_from_json(data: dict[str, Any] | None) -> Address | None:
    return Address(**data) if data else None


def _line_json(line: Line) -> dict[str, Any]:
    return {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit": line.unit.value,
        "unit_price_cents": line.unit_price_cents,
        "vat_rate": str(line.vat_rate),
        "vat_category": line.vat_category.value,
        "discount_percent": str(line.discount_percent),
        "exemption": (
            {"reason": line.exemption.reason, "code": line.exemption.code}
            if line.exemption
            else None
        ),
        "period": _period_json(line.period),
    }


def _line_from_json(data: dict[str, Any]) -> Line:
    exemption = data.get("exemption")
    return Line(
        description=data["description"],
        quantity=Decimal(data["quantity"]),
        unit=Unit(data["unit"]),
        unit_price_cents=int(data["unit_price_cents"]),
        vat_rate=Decimal(data["vat_rate"]),
        vat_category=VatCategory(data["vat_category"]),
        discount_percent=Decimal(data["discount_percent"]),
        exemption=VatExemption(exemption["reason"], exemption["code"]) if exemption else None,
        period=_period_from_json(data.get("period")),
    )
