"""Rows of the contrat tables <-> domain values, and the bind helpers the queries share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from ..domain import (
    Address,
    Contract,
    ContractLine,
    ContractStatus,
    Customer,
    CustomerType,
    Equipment,
    Frequency,
    Indexation,
    IndexationMethod,
    IndexationRecord,
    Installation,
    InstallationType,
    MaintenancePlan,
    Season,
    Site,
    Suspension,
    Timing,
)
from ..models import contracts, customers

UUIDS = ARRAY(UUID(as_uuid=True))


def uuid_array(name: str, values: Iterable[uuid.UUID]) -> Any:
    return bindparam(name, list(values), type_=UUIDS)


def like_pattern(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# -- row mapping ----------------------------------------------------------------------------------
def customer_from_row(row: Any) -> Customer:
    return Customer(
        id=row["id"],
        code=row["code"],
        type=CustomerType(row["type"]),
        name=row["name"],
        legal_form=row["legal_form"],
        siren=row["siren"],
        siret=row["siret"],
        vat_number=row["vat_number"],
        billing_address=Address(
            tuple(row["billing_address_lines"]),
            row["billing_postal_code"],
            row["billing_city"],
            row["billing_country"],
        ),
        billing_contact_name=row["billing_contact_name"],
        billing_email=row["billing_email"],
        phone=row["phone"],
        notes=row["notes"],
        archived=row["archived_at"] is not None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def customer_columns(customer: dict[str, Any]) -> dict[str, Any]:
    """Column values from a validated customer dict (address flattened)."""
    values = dict(customer)
    address: Address = values.pop("billing_address")
    values.update(
        billing_address_lines=list(address.lines),
        billing_postal_code=address.postal_code,
        billing_city=address.city,
        billing_country=address.country,
    )
    return values


def site_from_row(row: Any) -> Site:
    return Site(
        id=row["id"],
        customer_id=row["customer_id"],
        name=row["name"],
        address=Address(
            tuple(row["address_lines"]), row["postal_code"], row["city"], row["country"]
        ),
        latitude=row["latitude"],
        longitude=row["longitude"],
        access_notes=row["access_notes"],
        gate_code=row["gate_code"],
        archived=row["archived_at"] is not None,
        created_at=row["created_at"],
    )


def site_columns(site: dict[str, Any]) -> dict[str, Any]:
    values = dict(site)
    address: Address = values.pop("address")
    values.update(
        address_lines=list(address.lines),
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
    )
    return values


def installation_from_row(row: Any) -> Installation:
    return Installation(
        id=row["id"],
        site_id=row["site_id"],
        type=InstallationType(row["type"]),
        name=row["name"],
        volume_m3=row["volume_m3"],
        equipment=tuple(Equipment(**item) for item in row["equipment"]),
        notes=row["notes"],
    )


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def plan_from_row(row: Any) -> MaintenancePlan:
    return MaintenancePlan(
        id=row["id"],
        site_id=row["site_id"],
        label=row["label"],
        description=row["description"],
        rrule=row["rrule"],
        seasons=tuple(
            Season(
                name=s["name"],
                start=(int(s["start"][:2]), int(s["start"][3:])),
                end=(int(s["end"][:2]), int(s["end"][3:])),
                rrule=s["rrule"],
            )
            for s in row["seasons"]
        ),
        window_start=_hhmm(row["window_start"]),
        window_end=_hhmm(row["window_end"]),
        duration_minutes=row["duration_minutes"],
        required_skill=row["required_skill"],
        next_from_completion=row["next_from_completion"],
    )


def plan_values(plan: MaintenancePlan, contract_id: uuid.UUID, position: int) -> dict[str, Any]:
    return {
        "id": plan.id,
        "contract_id": contract_id,
        "position": position,
        "site_id": plan.site_id,
        "label": plan.label,
        "description": plan.description,
        "rrule": plan.rrule,
        "seasons": [
            {
                "name": s.name,
                "start": f"{s.start[0]:02d}-{s.start[1]:02d}",
                "end": f"{s.end[0]:02d}-{s.end[1]:02d}",
                "rrule": s.rrule,
            }
            for s in plan.seasons
        ],
        "window_start": plan.window_start.strftime("%H:%M"),
        "window_end": plan.window_end.strftime("%H:%M"),
        "duration_minutes": plan.duration_minutes,
        "required_skill": plan.required_skill,
        "next_from_completion": plan.next_from_completion,
    }


CONTRACT_COLUMNS = [
    *contracts.c,
    customers.c.name.label("customer_name"),
    customers.c.type.label("customer_type"),
]


def contract_from_row(
    row: Any,
    site_ids: Sequence[uuid.UUID],
    lines: Sequence[ContractLine],
    plans: Sequence[MaintenancePlan],
    held: Sequence[Suspension],
    indexed: Sequence[IndexationRecord],
) -> Contract:
    return Contract(
        id=row["id"],
        number=row["number"] or "",
        status=ContractStatus(row["status"]),
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        customer_type=CustomerType(row["customer_type"]),
        site_ids=tuple(site_ids),
        lines=tuple(lines),
        frequency=Frequency(row["billing_frequency"]),
        timing=Timing(row["billing_timing"]),
        payment_days=row["payment_days"],
        payment_end_of_month=row["payment_end_of_month"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        tacit_renewal=row["tacit_renewal"],
        renewal_term_months=row["renewal_term_months"],
        notice_period_days=row["notice_period_days"],
        indexation=Indexation(
            method=IndexationMethod(row["indexation_method"]),
            percentage=row["indexation_percentage"],
            index_name=row["index_name"],
            base_index_value=row["base_index_value"],
            reference_index_value=row["reference_index_value"],
        ),
        sla_hours=row["sla_hours"],
        notes=row["notes"],
        activation_date=row["activation_date"],
        termination_date=row["termination_date"],
        termination_reason=row["termination_reason"],
        renewal_notice_sent_for=row["renewal_notice_sent_for"],
        renewal_notice_sent_at=row["renewal_notice_sent_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        plans=tuple(plans),
        suspensions=tuple(held),
        indexations=tuple(indexed),
    )
