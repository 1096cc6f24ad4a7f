"""The customer's service report after a completed visit, as the e-mail shows it: each reading
against its target with a traffic-light level, the water balance, doses and parts, the
checklist, the technician's note and the plan's next visit. The PDF (report_pdf.py) is the
document; this is its summary for the message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition

from .access import OFFICE, visible_intervention
from .checklist_service import _visit_checklist
from .lifecycle import Status
from .measurements import french_number
from .repository import InterventionRepository
from .water_report import FLAGS, LABELS, METHODS, _target, _unit, water_section
from .water_repository import ReadingRow, WaterRepository
from .water_targets import Parameter

# Outside the target by at most this share of the bound: amber, not red.
AMBER_MARGIN = 0.10
GREEN, AMBER, RED = "green", "amber", "red"
REGULATORY_FLAGS = frozenset({"above_regulatory_limit", "below_regulatory_limit"})


@dataclass(frozen=True)
class ReadingLine:
    label: str
    value: str
    unit: str
    target: str
    level: str


@dataclass(frozen=True)
class ChecklistLine:
    label: str
    checked: bool
    reason: str


@dataclass(frozen=True)
class ServiceReport:
    intervention_id: str
    customer_id: str
    site_name: str
    visit_label: str
    technician_name: str
    completed_at: datetime | None
    readings: list[ReadingLine]
    water_balance: list[str]
    products: list[str]
    checklist: list[ChecklistLine]
    actions: list[str]
    technician_note: str
    next_visit_date: date | None
    customer_signer_name: str


def level(value: float, low: float | None, high: float | None, flags: list[str]) -> str:
    """green within [low, high]; amber outside by at most 10 % of the bound passed; red beyond
    that or beyond a regulatory limit; "" without a target."""
    if REGULATORY_FLAGS & set(flags):
        return RED
    if low is None and high is None:
        return ""
    if low is not None and value < low:
        return AMBER if value >= low * (1 - AMBER_MARGIN) else RED
    if high is not None and value > high:
        return AMBER if value <= high * (1 + AMBER_MARGIN) else RED
    return GREEN


def reading_line(row: ReadingRow) -> ReadingLine:
    details = [METHODS.get(row.method, row.method)]
    details += [FLAGS[f] for f in row.flags if f in FLAGS]
    return ReadingLine(
        label=f"{LABELS[Parameter(row.parameter)]} ({', '.join(details)})",
        value=french_number(row.value),
        unit=_unit(row),
        target=_target(row),
        level=level(row.value, row.target_low, row.target_high, row.flags),
    )


class ServiceReports:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def service_report(self, intervention_id: str) -> ServiceReport:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await visible_intervention(repo, intervention_id)
            if row.status != Status.COMPLETED:
                raise FailedPrecondition(
                    "the visit is not completed", fields={"status": row.status}
                )
            readings = await WaterRepository(session).visit_readings(row.id)
            report = await repo.report(row.id)
            checklist = await _visit_checklist(session, row)
            following = await repo.next_pending_visit(row) if row.plan_id else None
        _, balance = water_section(readings)
        parts = report.parts if report else []
        return ServiceReport(
            intervention_id=str(row.id),
            customer_id=row.customer_id,
            site_name=row.site_name,
            visit_label=row.label,
            technician_name=row.technician_name or "",
            completed_at=row.completed_at,
            readings=[reading_line(r) for r in readings],
            water_balance=balance,
            products=[
                f"{p['description']} : {p['quantity'].replace('.', ',')} {p.get('unit') or ''}".strip()
                for p in parts
            ],
            checklist=[
                ChecklistLine(item.label, state.checked, state.reason)
                for item, state in zip(checklist.items, checklist.states, strict=True)
            ],
            actions=list(report.actions) if report else [],
            technician_note=report.notes if report else "",
            next_visit_date=following.planned_date if following else None,
            customer_signer_name=(report.customer_signer_name or "") if report else "",
        )
