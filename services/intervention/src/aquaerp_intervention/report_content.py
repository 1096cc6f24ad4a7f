"""What a report holds and how it is checked, what the completion event tells facture, and
the content of the report PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aquaerp_runtime.clock import BUSINESS_TZ
from aquaerp_runtime.errors import InvalidArgument

from .catalogue_client import CatalogueQuote
from .contracts import address_from_json
from .lifecycle import Kind
from .local_time import MINUTES_PER_DAY, local_day
from .measurements import RULES, Measurements, MeasurementWarning, french_number
from .report_pdf import MeasurementLine, PartLine, ReportDocument, SignatureBlock
from .repository import InterventionRow, ReportRow
from .signatures import Signature, check_signature


@dataclass(frozen=True)
class PartInput:
    description: str
    product_code: str
    quantity: str
    unit: str
    unit_price_cents: int
    currency: str
    billable: bool
    # A catalogue item: its label, code, unit and price come from the catalogue.
    product_id: str = ""


@dataclass(frozen=True)
class ReportInput:
    measurements: Measurements
    actions: list[str]
    parts: list[PartInput]
    time_spent_minutes: int | None
    notes: str


@dataclass(frozen=True)
class Completion:
    customer_signature: Signature | None
    technician_signature: Signature | None
    customer_absent: bool
    customer_absence_reason: str
    completed_at: datetime | None


def decimal_quantity(text: str, field_name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidArgument(
            "quantity must be a decimal number", fields={field_name: "e.g. 2.5"}
        ) from None
    if not value.is_finite() or value <= 0 or value > Decimal("100000"):
        raise InvalidArgument("quantity must be positive", fields={field_name: "must be > 0"})
    exponent = value.as_tuple().exponent
    # An int for every finite number (checked above): only NaN and infinities have a letter.
    if isinstance(exponent, int) and -exponent > 3:
        raise InvalidArgument(
            "quantity has at most 3 decimals", fields={field_name: "at most 3 decimals"}
        )
    return value


def measurements_of(report: ReportRow | None) -> Measurements:
    if report is None:
        return Measurements()
    return Measurements(
        ph=report.ph,
        free_chlorine_mg_l=report.free_chlorine_mg_l,
        total_chlorine_mg_l=report.total_chlorine_mg_l,
        tac_mg_l=report.tac_mg_l,
        cyanuric_acid_mg_l=report.cyanuric_acid_mg_l,
        salt_g_l=report.salt_g_l,
        temperature_c=report.temperature_c,
    )


def euros(cents: int) -> str:
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{grouped},{rest:02d} €"


def french_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(BUSINESS_TZ).strftime("%d/%m/%Y à %H:%M")


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


def check_actions(actions: Sequence[str]) -> list[str]:
    cleaned = [a.strip() for a in actions if a.strip()]
    if len(cleaned) > 50:
        raise InvalidArgument("at most 50 actions", fields={"actions": "at most 50"})
    for i, action in enumerate(cleaned):
        if len(action) > 500:
            raise InvalidArgument(
                "an action is at most 500 characters", fields={f"actions.{i}": "too long"}
            )
    return cleaned


def catalogue_parts(parts: Sequence[PartInput]) -> list[tuple[int, str]]:
    """(position, product id) of the parts picked from the catalogue."""
    return [(i, part.product_id.strip()) for i, part in enumerate(parts) if part.product_id.strip()]


def priced(part: PartInput, quote: CatalogueQuote) -> PartInput:
    """A catalogue part as the catalogue describes and prices it; whatever the phone sent as
    label, unit or price is ignored. The technician may only waive billing."""
    return PartInput(
        description=quote.label,
        product_code=quote.code,
        quantity=part.quantity,
        unit=quote.unit,
        unit_price_cents=quote.unit_price_cents,
        currency="EUR",
        billable=part.billable and quote.billable,
        product_id=quote.product_id,
    )


def check_parts(
    parts: Sequence[PartInput], quotes: Mapping[str, CatalogueQuote] | None = None
) -> list[dict[str, Any]]:
    quotes = quotes or {}
    parts = [
        priced(p, quotes[p.product_id.strip()]) if p.product_id.strip() in quotes else p
        for p in parts
    ]
    if len(parts) > 100:
        raise InvalidArgument("at most 100 parts", fields={"parts": "at most 100"})
    cleaned = []
    for i, part in enumerate(parts):
        description = part.description.strip()
        if not description or len(description) > 200:
            raise InvalidArgument(
                "describe each part", fields={f"parts.{i}.description": "1 to 200 characters"}
            )
        quantity = decimal_quantity(part.quantity, f"parts.{i}.quantity")
        if part.unit_price_cents < 0:
            raise InvalidArgument(
                "a price cannot be negative", fields={f"parts.{i}.unit_price": "must be >= 0"}
            )
        currency = (part.currency or "EUR").upper()
        if currency != "EUR":
            raise InvalidArgument(
                "prices are in EUR", fields={f"parts.{i}.unit_price.currency": "EUR only"}
            )
        if len(part.unit) > 20 or len(part.product_code) > 64:
            raise InvalidArgument(
                "unit or product code too long", fields={f"parts.{i}.unit": "at most 20 characters"}
            )
        cleaned.append(
            {
                "description": description,
                "product_code": part.product_code.strip(),
                "quantity": str(quantity.normalize())
                if quantity == quantity.to_integral()
                else str(quantity),
                "unit": part.unit.strip() or "pièce",
                "unit_price_cents": part.unit_price_cents,
                "currency": currency,
                "billable": part.billable,
                "product_id": part.product_id,
            }
        )
    return cleaned


def check_time_spent(minutes: int | None) -> int | None:
    if minutes is None or minutes == 0:
        return None
    if not 1 <= minutes <= MINUTES_PER_DAY:
        raise InvalidArgument(
            "time spent is 1 to 1440 minutes", fields={"time_spent_minutes": "1..1440"}
        )
    return minutes


def check_notes(notes: str) -> str:
    if len(notes) > 4000:
        raise InvalidArgument("notes are at most 4000 characters", fields={"notes": "too long"})
    return notes.strip()


def check_completion(completion: Completion) -> None:
    if completion.technician_signature is None:
        raise InvalidArgument(
            "the technician must sign", fields={"technician_signature": "required"}
        )
    check_signature(completion.technician_signature, "technician_signature")
    if completion.customer_absent:
        if not completion.customer_absence_reason.strip():
            raise InvalidArgument(
                "say why the customer did not sign",
                fields={"customer_absence_reason": "required when absent"},
            )
        if completion.customer_signature is not None:
            raise InvalidArgument(
                "an absent customer cannot sign",
                fields={"customer_signature": "not allowed when absent"},
            )
        return
    if completion.customer_signature is None:
        raise InvalidArgument(
            "the customer's signature is required (or mark the customer absent with a reason)",
            fields={"customer_signature": "required"},
        )
    check_signature(completion.customer_signature, "customer_signature")


def signature_values(completion: Completion, time_spent: int) -> dict[str, Any]:
    customer, technician = completion.customer_signature, completion.technician_signature
    assert technician is not None
    return {
        "time_spent_minutes": time_spent,
        "customer_absent": completion.customer_absent,
        "customer_absence_reason": completion.customer_absence_reason.strip(),
        "customer_signer_name": customer.signer_name.strip() if customer else None,
        "customer_signed_at": customer.signed_at if customer else None,
        "customer_signature_png": customer.png if customer else None,
        "technician_signer_name": technician.signer_name.strip(),
        "technician_signed_at": technician.signed_at,
        "technician_signature_png": technician.png,
    }


def completed_payload(
    row: InterventionRow, report: ReportRow | None, completed_at: datetime, time_spent: int
) -> dict[str, Any]:
    """For facture: what to invoice. Parts marked billable always; labour when the intervention
    itself is billable (corrective work outside the contract)."""
    parts = report.parts if report else []
    return {
        "intervention_id": str(row.id),
        "kind": row.kind,
        "contract_id": row.contract_id,
        "customer_id": row.customer_id,
        "site_id": row.site_id,
        "technician_id": str(row.technician_id) if row.technician_id else None,
        "completed_at": completed_at.isoformat(),
        "completed_on": local_day(completed_at).isoformat(),
        "billable": row.billable,
        "labour_minutes": time_spent if row.billable else 0,
        "billable_items": [
            {
                "description": p["description"],
                "product_code": p["product_code"],
                "quantity": p["quantity"],
                "unit": p["unit"],
                "unit_price_cents": p["unit_price_cents"],
                "currency": p["currency"],
            }
            for p in parts
            if p["billable"]
        ],
        # Catalogue items, billable or not: the stock service debits the van with them.
        "stock_items": [
            {"product_id": p["product_id"], "quantity": p["quantity"]}
            for p in parts
            if p.get("product_id")
        ],
    }


def report_document(
    row: InterventionRow,
    report: ReportRow | None,
    measurements: Measurements,
    warnings: Sequence[MeasurementWarning],
    completion: Completion,
    completed_at: datetime,
    time_spent: int,
) -> ReportDocument:
    warned = {w.field for w in warnings}
    lines = []
    for name, value in measurements.items():
        rule = RULES[name]
        lines.append(
            MeasurementLine(
                label=rule.label,
                value=french_number(value),
                unit=rule.unit,
                recommended=f"{french_number(rule.recommended.low)} à "
                f"{french_number(rule.recommended.high)} {rule.unit}".strip(),
                warning=name in warned,
            )
        )
    parts = [
        PartLine(
            description=p["description"],
            product_code=p["product_code"],
            quantity=p["quantity"].replace(".", ","),
            unit=p["unit"],
            unit_price=euros(p["unit_price_cents"]),
            billable=p["billable"],
        )
        for p in (report.parts if report else [])
    ]
    address = address_from_json(row.site_address)
    customer, technician = completion.customer_signature, completion.technician_signature
    return ReportDocument(
        reference=str(row.id),
        title="Rapport d'intervention de dépannage"
        if row.kind == Kind.CORRECTIVE
        else "Rapport de visite d'entretien",
        label=row.label,
        problem_description=row.problem_description,
        site_name=row.site_name,
        address_lines=[*address.lines, f"{address.postal_code} {address.city}".strip()],
        technician_name=row.technician_name or "",
        planned_date=row.planned_date.strftime("%d/%m/%Y") if row.planned_date else "—",
        started_at=french_datetime(row.started_at),
        completed_at=french_datetime(completed_at),
        time_spent=duration_text(time_spent),
        measurements=lines,
        warnings=[w.message for w in warnings],
        actions=list(report.actions) if report else [],
        parts=parts,
        notes=report.notes if report else "",
        customer_signature=SignatureBlock(
            customer.signer_name, french_datetime(customer.signed_at), customer.png
        )
        if customer
        else None,
        customer_absence_reason=completion.customer_absence_reason,
        technician_signature=SignatureBlock(
            technician.signer_name, french_datetime(technician.signed_at), technician.png
        )
        if technician
        else None,
    )
