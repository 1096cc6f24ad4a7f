"""All SQL of the intervention service."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from aquaerp_runtime.outbox import record_event
from aquaerp_runtime.paging_sort import Order, SortColumn, Sorting, count_rows, sorted_page
from sqlalchemy import (
    Date,
    DateTime,
    Select,
    Uuid,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .lifecycle import PENDING, Kind, Status
from .models import absences, interventions, outbox, report_documents, reports, technicians


@dataclass(frozen=True)
class TechnicianRow:
    id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    skills: list[str]
    working_hours: list[dict[str, int]]
    home_latitude: float
    home_longitude: float
    active: bool
    calendar_token_hash: str | None
    created_at: datetime


@dataclass(frozen=True)
class AbsenceRow:
    id: uuid.UUID
    technician_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class InterventionRow:
    id: uuid.UUID
    kind: str
    status: str
    contract_id: str
    customer_id: str
    site_id: str
    site_name: str
    site_address: dict[str, Any]
    site_latitude: float | None
    site_longitude: float | None
    access_notes: str
    gate_code: str
    plan_id: str | None
    occurrence_date: date | None
    planned_date: date | None
    window_start_minute: int
    window_end_minute: int
    estimated_minutes: int
    required_skill: str
    label: str
    next_from_completion: bool
    priority: str | None
    problem_description: str
    reported_at: datetime | None
    sla_deadline: datetime | None
    billable: bool
    technician_id: uuid.UUID | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    version: int
    created_at: datetime
    updated_at: datetime
    # From the assigned technician.
    technician_name: str | None
    technician_user_id: uuid.UUID | None


@dataclass(frozen=True)
class ReportRow:
    intervention_id: uuid.UUID
    ph: float | None
    free_chlorine_mg_l: float | None
    total_chlorine_mg_l: float | None
    tac_mg_l: float | None
    cyanuric_acid_mg_l: float | None
    salt_g_l: float | None
    temperature_c: float | None
    actions: list[str]
    parts: list[dict[str, Any]]
    time_spent_minutes: int | None
    notes: str
    customer_signer_name: str | None
    customer_signed_at: datetime | None
    customer_signature_png: bytes | None
    technician_signer_name: str | None
    technician_signed_at: datetime | None
    technician_signature_png: bytes | None
    customer_absent: bool
    customer_absence_reason: str


@dataclass(frozen=True)
class ReportDocumentRow:
    intervention_id: uuid.UUID
    filename: str
    pdf: bytes
    sha256: str


@dataclass(frozen=True)
class ListPosition:
    """Where a page of interventions ended: the sort key of its last row."""

    planned_date: date | None
    scheduled_start: datetime | None
    created_at: datetime
    id: uuid.UUID


# Undated work first, unscheduled work last within a day: as sort keys that are never NULL, so
# that one row comparison finds where the previous page ended.
_NO_DATE_YET = literal_column("'-infinity'::date", Date)
_NO_START_YET = literal_column("'infinity'::timestamptz", DateTime(timezone=True))
# The list's requested sorts (an empty order_by keeps LIST_ORDER, which is indexed); a visit
# without a date yet sorts first.
INTERVENTION_SORTING = Sorting(
    {
        "planned_date": SortColumn(
            func.coalesce(interventions.c.planned_date, literal_column("DATE '0001-01-01'", Date)),
            date.fromisoformat,
        ),
        "status": SortColumn(interventions.c.status),
        "created_at": SortColumn(interventions.c.created_at, datetime.fromisoformat),
    },
    default="planned_date",
    tiebreak=interventions.c.id,
)
LIST_ORDER = (
    func.coalesce(interventions.c.planned_date, _NO_DATE_YET),
    func.coalesce(interventions.c.scheduled_start, _NO_START_YET),
    interventions.c.created_at,
    interventions.c.id,
)


@dataclass(frozen=True)
class InterventionFilter:
    technician_id: uuid.UUID | None = None
    contract_id: str | None = None
    site_id: str | None = None
    customer_id: str | None = None
    statuses: tuple[str, ...] = ()
    kind: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    unassigned_only: bool = False


R = TypeVar("R", TechnicianRow, AbsenceRow, InterventionRow, ReportRow, ReportDocumentRow)


def _row(cls: type[R], row: Any) -> R:
    return cls(**{name: row[name] for name in cls.__dataclass_fields__})


_INTERVENTION_COLUMNS = [
    *interventions.c,
    technicians.c.display_name.label("technician_name"),
    technicians.c.user_id.label("technician_user_id"),
]


def _interventions() -> Select[Any]:
    return select(*_INTERVENTION_COLUMNS).select_from(
        interventions.outerjoin(technicians, technicians.c.id == interventions.c.technician_id)
    )


def intervention_conditions(where: InterventionFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.technician_id is not None:
        conditions.append(interventions.c.technician_id == where.technician_id)
    if where.contract_id:
        conditions.append(interventions.c.contract_id == where.contract_id)
    if where.site_id:
        conditions.append(interventions.c.site_id == where.site_id)
    if where.customer_id is not None:
        conditions.append(interventions.c.customer_id == where.customer_id)
    if where.statuses:
        conditions.append(interventions.c.status.in_(where.statuses))
    if where.kind:
        conditions.append(interventions.c.kind == where.kind)
    if where.from_date:
        conditions.append(interventions.c.planned_date >= where.from_date)
    if where.to_date:
        conditions.append(interventions.c.planned_date <= where.to_date)
    if where.unassigned_only:
        conditions.append(interventions.c.technician_id.is_(None))
    return conditions


class InterventionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- technicians ----------------------------------------------------------------------
    async def insert_technician(self, values: dict[str, Any]) -> TechnicianRow | None:
        """Returns None when the auth user already has a technician."""
        row = (
            (
                await self.session.execute(
                    pg_insert(technicians)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=[technicians.c.user_id])
                    .returning(*technicians.c)
                )
            )
            .mappings()
            .first()
        )
        return _row(TechnicianRow, row) if row else None

    async def technician(
        self, technician_id: uuid.UUID, *, for_update: bool = False
    ) -> TechnicianRow | None:
        query = select(technicians).where(technicians.c.id == technician_id)
        if for_update:
            # Serialises every assignment to this technician: overlap checks then see all others.
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _row(TechnicianRow, row) if row else None

    async def technician_by_user(self, user_id: uuid.UUID) -> TechnicianRow | None:
        row = (
            (
                await self.session.execute(
                    select(technicians).where(technicians.c.user_id == user_id)
                )
            )
            .mappings()
            .first()
        )
        return _row(TechnicianRow, row) if row else None

    async def technician_by_token_hash(self, token_hash: str) -> TechnicianRow | None:
        row = (
            (
                await self.session.execute(
                    select(technicians).where(technicians.c.calendar_token_hash == token_hash)
                )
            )
            .mappings()
            .first()
        )
        return _row(TechnicianRow, row) if row else None

    async def technicians(
        self,
        *,
        ids: Sequence[uuid.UUID] | None = None,
        skill: str | None = None,
        include_inactive: bool = False,
        after: tuple[str, uuid.UUID] | None = None,
        limit: int | None = None,
        for_update: bool = False,
    ) -> list[TechnicianRow]:
        query = select(technicians).order_by(technicians.c.display_name, technicians.c.id)
        if ids is not None:
            query = query.where(technicians.c.id.in_(list(ids)))
        if skill:
            query = query.where(literal(skill) == any_(technicians.c.skills))
        if not include_inactive:
            query = query.where(technicians.c.active.is_(True))
        if after is not None:
            query = query.where(
                or_(
                    technicians.c.display_name > after[0],
                    and_(technicians.c.display_name == after[0], technicians.c.id > after[1]),
                )
            )
        if limit is not None:
            query = query.limit(limit)
        if for_update:
            # Locked in one order (by id) by everyone, so two planners cannot deadlock.
            query = query.order_by(None).order_by(technicians.c.id).with_for_update()
        rows = (await self.session.execute(query)).mappings().all()
        return [_row(TechnicianRow, r) for r in rows]

    async def update_technician(
        self, technician_id: uuid.UUID, values: dict[str, Any]
    ) -> TechnicianRow | None:
        row = (
            (
                await self.session.execute(
                    update(technicians)
                    .where(technicians.c.id == technician_id)
                    .values(**values)
                    .returning(*technicians.c)
                )
            )
            .mappings()
            .first()
        )
        return _row(TechnicianRow, row) if row else None

    # -- absences -------------------------------------------------------------------------
    async def insert_absence(self, values: dict[str, Any]) -> AbsenceRow:
        row = (
            (await self.session.execute(insert(absences).values(**values).returning(*absences.c)))
            .mappings()
            .one()
        )
        return _row(AbsenceRow, row)

    async def delete_absence(self, technician_id: uuid.UUID, absence_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(absences)
            .where(absences.c.id == absence_id, absences.c.technician_id == technician_id)
            .returning(absences.c.id)
        )
        return result.first() is not None

    async def absences(
        self, technician_ids: Sequence[uuid.UUID], start: datetime, end: datetime
    ) -> list[AbsenceRow]:
        rows = (
            (
                await self.session.execute(
                    select(absences)
                    .where(
                        absences.c.technician_id.in_(list(technician_ids)),
                        absences.c.starts_at < end,
                        absences.c.ends_at > start,
                    )
                    .order_by(absences.c.starts_at)
                )
            )
            .mappings()
            .all()
        )
        return [_row(AbsenceRow, r) for r in rows]

    # -- interventions --------------------------------------------------------------------
    async def insert_visits(self, rows: Sequence[dict[str, Any]]) -> int:
        """Inserts generated visits; occurrences that already have one are skipped. Returns how
        many were inserted."""
        if not rows:
            return 0
        # One statement, executed for many rows in pages (SQLAlchemy "insertmanyvalues").
        result = await self.session.execute(
            pg_insert(interventions)
            .on_conflict_do_nothing(constraint="uq_visit_occurrence")
            .returning(interventions.c.id),
            list(rows),
        )
        return len(result.all())

    async def occurrence_keys(
        self, contract_id: str, first: date, last: date
    ) -> set[tuple[str, str, date]]:
        """(site, plan, occurrence date) of the visits already generated in the period."""
        query = select(
            interventions.c.site_id, interventions.c.plan_id, interventions.c.occurrence_date
        ).where(
            interventions.c.kind == Kind.PREVENTIVE,
            interventions.c.occurrence_date >= first,
            interventions.c.occurrence_date <= last,
        )
        if contract_id:
            query = query.where(interventions.c.contract_id == contract_id)
        return {(r[0], r[1], r[2]) for r in await self.session.execute(query)}

    async def insert_intervention(self, values: dict[str, Any]) -> uuid.UUID:
        new_id: uuid.UUID = (
            await self.session.execute(
                insert(interventions).values(**values).returning(interventions.c.id)
            )
        ).scalar_one()
        return new_id

    async def intervention(
        self, intervention_id: uuid.UUID, *, for_update: bool = False
    ) -> InterventionRow | None:
        query = _interventions().where(interventions.c.id == intervention_id)
        if for_update:
            query = query.with_for_update(of=interventions)
        row = (await self.session.execute(query)).mappings().first()
        return _row(InterventionRow, row) if row else None

    async def list_interventions(
        self, where: InterventionFilter, *, after: ListPosition | None, limit: int
    ) -> list[InterventionRow]:
        """Interventions matching `where`, in `LIST_ORDER`, from after the `after` position."""
        conditions = intervention_conditions(where)
        if after is not None:
            conditions.append(
                tuple_(*LIST_ORDER)
                > tuple_(
                    func.coalesce(literal(after.planned_date, Date), _NO_DATE_YET),
                    func.coalesce(
                        literal(after.scheduled_start, DateTime(timezone=True)), _NO_START_YET
                    ),
                    literal(after.created_at, DateTime(timezone=True)),
                    literal(after.id, Uuid),
                )
            )
        query = _interventions().where(*conditions).order_by(*LIST_ORDER).limit(limit)
        rows = (await self.session.execute(query)).mappings().all()
        return [_row(InterventionRow, r) for r in rows]

    async def sorted_interventions(
        self, where: InterventionFilter, order: Order, *, page_token: str, limit: int
    ) -> tuple[list[InterventionRow], str, int]:
        """A page in a requested `order`, the next page token and the filtered total."""
        conditions = intervention_conditions(where)
        page = await sorted_page(
            self.session,
            _interventions().where(*conditions),
            order,
            page_token=page_token,
            limit=limit,
            counted=select(interventions.c.id).where(*conditions),
        )
        return [_row(InterventionRow, r) for r in page.rows], page.next_page_token, page.total_size

    async def count_interventions(self, where: InterventionFilter) -> int:
        query = select(interventions.c.id).where(*intervention_conditions(where))
        return await count_rows(self.session, query)

    async def update_intervention(self, intervention_id: uuid.UUID, values: dict[str, Any]) -> None:
        await self.session.execute(
            update(interventions)
            .where(interventions.c.id == intervention_id)
            .values(**values, version=interventions.c.version + 1, updated_at=func.now())
        )

    async def assigned_between(
        self,
        technician_ids: Sequence[uuid.UUID],
        start: datetime,
        end: datetime,
        *,
        include_cancelled: bool = False,
    ) -> list[InterventionRow]:
        """Assigned interventions of these technicians overlapping [start, end), by start."""
        conditions = [
            interventions.c.technician_id.in_(list(technician_ids)),
            interventions.c.scheduled_start < end,
            interventions.c.scheduled_end > start,
        ]
        if not include_cancelled:
            conditions.append(interventions.c.status != Status.CANCELLED)
        rows = (
            (
                await self.session.execute(
                    _interventions().where(*conditions).order_by(interventions.c.scheduled_start)
                )
            )
            .mappings()
            .all()
        )
        return [_row(InterventionRow, r) for r in rows]

    async def unassigned_between(
        self, first: date, last: date, *, for_update: bool = False
    ) -> list[InterventionRow]:
        query = (
            _interventions()
            .where(
                interventions.c.technician_id.is_(None),
                interventions.c.status.in_(PENDING),
                interventions.c.planned_date >= first,
                interventions.c.planned_date <= last,
            )
            .order_by(interventions.c.planned_date, interventions.c.id)
        )
        if for_update:
            query = query.with_for_update(of=interventions)
        rows = (await self.session.execute(query)).mappings().all()
        return [_row(InterventionRow, r) for r in rows]

    async def unscheduled_corrective(self) -> list[InterventionRow]:
        """Corrective interventions to do that have no date yet."""
        rows = (
            (
                await self.session.execute(
                    _interventions()
                    .where(
                        interventions.c.planned_date.is_(None),
                        interventions.c.status.in_(PENDING),
                    )
                    .order_by(
                        interventions.c.sla_deadline.asc().nulls_last(), interventions.c.created_at
                    )
                )
            )
            .mappings()
            .all()
        )
        return [_row(InterventionRow, r) for r in rows]

    async def assign_many(
        self, assignments: Sequence[tuple[uuid.UUID, uuid.UUID, datetime, datetime]]
    ) -> None:
        if not assignments:
            return
        await self.session.execute(
            update(interventions)
            .where(interventions.c.id == bindparam("b_id"))
            .values(
                technician_id=bindparam("b_technician"),
                scheduled_start=bindparam("b_start"),
                scheduled_end=bindparam("b_end"),
                version=interventions.c.version + 1,
                updated_at=func.now(),
            ),
            [
                {"b_id": i, "b_technician": t, "b_start": start, "b_end": end}
                for i, t, start, end in assignments
            ],
        )

    async def pending_of_contract(
        self, contract_id: str, from_day: date, *, for_update: bool = False
    ) -> list[InterventionRow]:
        """Not started work of a contract planned on or after `from_day` (and undated work)."""
        query = _interventions().where(
            interventions.c.contract_id == contract_id,
            interventions.c.status.in_(PENDING),
            or_(interventions.c.planned_date >= from_day, interventions.c.planned_date.is_(None)),
        )
        if for_update:
            query = query.with_for_update(of=interventions)
        rows = (
            (await self.session.execute(query.order_by(interventions.c.planned_date)))
            .mappings()
            .all()
        )
        return [_row(InterventionRow, r) for r in rows]

    async def generated_visits(
        self, contract_id: str, first: date, last: date
    ) -> list[InterventionRow]:
        rows = (
            (
                await self.session.execute(
                    _interventions().where(
                        interventions.c.contract_id == contract_id,
                        interventions.c.kind == Kind.PREVENTIVE,
                        interventions.c.occurrence_date >= first,
                        interventions.c.occurrence_date <= last,
                    )
                )
            )
            .mappings()
            .all()
        )
        return [_row(InterventionRow, r) for r in rows]

    async def mark_overdue(self, before: date) -> int:
        result = await self.session.execute(
            update(interventions)
            .where(
                interventions.c.status == Status.SCHEDULED, interventions.c.planned_date < before
            )
            .values(
                status=Status.OVERDUE, version=interventions.c.version + 1, updated_at=func.now()
            )
            .returning(interventions.c.id)
        )
        return len(result.all())

    async def count_overdue(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(interventions.c.status == Status.OVERDUE)
            )
            or 0
        )

    async def next_pending_visit(self, visit: InterventionRow) -> InterventionRow | None:
        """The plan's next visit at the same site after `visit`, not started yet."""
        row = (
            (
                await self.session.execute(
                    _interventions()
                    .where(
                        interventions.c.site_id == visit.site_id,
                        interventions.c.plan_id == visit.plan_id,
                        interventions.c.occurrence_date > visit.occurrence_date,
                        interventions.c.status.in_(PENDING),
                    )
                    .order_by(interventions.c.occurrence_date)
                    .limit(1)
                    .with_for_update(of=interventions)
                )
            )
            .mappings()
            .first()
        )
        return _row(InterventionRow, row) if row else None

    # -- reports --------------------------------------------------------------------------
    async def report(self, intervention_id: uuid.UUID) -> ReportRow | None:
        row = (
            (
                await self.session.execute(
                    select(reports).where(reports.c.intervention_id == intervention_id)
                )
            )
            .mappings()
            .first()
        )
        return _row(ReportRow, row) if row else None

    async def reports(self, intervention_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ReportRow]:
        if not intervention_ids:
            return {}
        rows = (
            (
                await self.session.execute(
                    select(reports).where(reports.c.intervention_id.in_(list(intervention_ids)))
                )
            )
            .mappings()
            .all()
        )
        return {r["intervention_id"]: _row(ReportRow, r) for r in rows}

    async def save_report(self, intervention_id: uuid.UUID, values: dict[str, Any]) -> None:
        await self.session.execute(
            pg_insert(reports)
            .values(intervention_id=intervention_id, **values)
            .on_conflict_do_update(
                index_elements=[reports.c.intervention_id],
                set_={**values, "updated_at": func.now()},
            )
        )

    async def insert_report_document(
        self, intervention_id: uuid.UUID, filename: str, pdf: bytes, sha256: str
    ) -> None:
        await self.session.execute(
            insert(report_documents).values(
                intervention_id=intervention_id, filename=filename, pdf=pdf, sha256=sha256
            )
        )

    async def report_document(self, intervention_id: uuid.UUID) -> ReportDocumentRow | None:
        row = (
            (
                await self.session.execute(
                    select(report_documents).where(
                        report_documents.c.intervention_id == intervention_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return _row(ReportDocumentRow, row) if row else None

    async def has_report_documents(self, intervention_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not intervention_ids:
            return set()
        rows = await self.session.execute(
            select(report_documents.c.intervention_id).where(
                report_documents.c.intervention_id.in_(list(intervention_ids))
            )
        )
        return {r[0] for r in rows}

    # -- events ---------------------------------------------------------------------------
    async def add_event(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        await record_event(
            self.session, outbox, event_type, aggregate_type, str(aggregate_id), payload
        )

    async def add_events(
        self, events: Sequence[tuple[str, str, uuid.UUID, dict[str, Any]]]
    ) -> None:
        """Several events in one statement (same rows as `record_event` writes)."""
        if not events:
            return
        await self.session.execute(
            insert(outbox),
            [
                {
                    "id": uuid.uuid4(),
                    "event_type": event_type,
                    "aggregate_type": aggregate_type,
                    "aggregate_id": str(aggregate_id),
                    "payload": json.loads(json.dumps(payload, default=str)),
                }
                for event_type, aggregate_type, aggregate_id, payload in events
            ],
        )
