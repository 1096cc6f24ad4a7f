"""An intervention as the API shows it: the row, its report, measurement warnings, whether its
PDF exists and whether its SLA is breached at the clock's instant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from .lifecycle import Status
from .measurements import MeasurementWarning, check_measurements
from .report_content import measurements_of
from .repository import InterventionRepository, InterventionRow, ReportRow

T = TypeVar("T")


@dataclass(frozen=True)
class InterventionView:
    row: InterventionRow
    report: ReportRow | None
    warnings: list[MeasurementWarning]
    pdf_available: bool
    sla_breached: bool


def make_view(
    row: InterventionRow, report: ReportRow | None, pdf_available: bool, now: datetime
) -> InterventionView:
    warnings = check_measurements(measurements_of(report)) if report else []
    breached = False
    if row.sla_deadline is not None and row.status != Status.CANCELLED:
        breached = (row.started_at or now) > row.sla_deadline
    return InterventionView(row, report, warnings, pdf_available, breached)


async def view(
    repo: InterventionRepository, row: InterventionRow, now: datetime
) -> InterventionView:
    report = await repo.report(row.id)
    documents = await repo.has_report_documents([row.id])
    return make_view(row, report, row.id in documents, now)


async def views(
    repo: InterventionRepository, rows: Sequence[InterventionRow], now: datetime
) -> list[InterventionView]:
    ids = [r.id for r in rows]
    reports = await repo.reports(ids)
    documents = await repo.has_report_documents(ids)
    return [make_view(r, reports.get(r.id), r.id in documents, now) for r in rows]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a List: its items and the token of the next page ("" on the last)."""

    items: list[T]
    next_page_token: str
    total_size: int = -1  # of the filtered list; -1 when not counted
