"""SQL of billing runs: the run, its planned entries and their outcomes, and the heartbeat
by which replicas take over a silent run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.elements import ColumnElement

from ..models import billing_run_entries, billing_runs
from . import Repository


@dataclass(frozen=True, slots=True)
class RunRow:
    id: uuid.UUID
    status: str
    up_to: date
    from_date: date | None
    contract_id: str | None
    dry_run: bool
    planned: bool
    idempotency_key: str | None
    error: str
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime


def _run(row: Any) -> RunRow:
    return RunRow(**{name: row[name] for name in RunRow.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class RunCounts:
    total: int
    pending: int
    issued: int
    skipped: int
    failed: int
    previewed: int
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: int
    run_id: uuid.UUID
    contract_id: str
    contract_number: str
    customer_id: str
    customer_name: str
    period_start: date
    period_end: date
    billables: dict[str, Any]
    outcome: str
    reason: str
    invoice_id: uuid.UUID | None
    invoice_number: str | None
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int


def _entry(row: Any) -> EntryRow:
    return EntryRow(**{name: row[name] for name in EntryRow.__dataclass_fields__})


class BillingRunRepository(Repository):
    async def run_by_idempotency_key(self, key: str) -> RunRow | None:
        row = (
            (
                await self.session.execute(
                    select(billing_runs).where(billing_runs.c.idempotency_key == key)
                )
            )
            .mappings()
            .first()
        )
        return _run(row) if row else None

    async def insert_run(self, values: dict[str, Any]) -> uuid.UUID | None:
        run_id: uuid.UUID | None = await self.session.scalar(
            pg_insert(billing_runs)
            .values(status="running", **values)
            .on_conflict_do_nothing()
            .returning(billing_runs.c.id)
        )
        return run_id

    async def run(self, run_id: uuid.UUID) -> RunRow | None:
        row = (
            (await self.session.execute(select(billing_runs).where(billing_runs.c.id == run_id)))
            .mappings()
            .first()
        )
        return _run(row) if row else None

    async def list_runs(
        self, *, status: str, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[RunRow]:
        conditions = []
        if status:
            conditions.append(billing_runs.c.status == status)
        if after is not None:
            conditions.append(tuple_(billing_runs.c.created_at, billing_runs.c.id) < tuple_(*after))
        rows = await self.session.execute(
            select(billing_runs)
            .where(*conditions)
            .order_by(billing_runs.c.created_at.desc(), billing_runs.c.id.desc())
            .limit(limit)
        )
        return [_run(row) for row in rows.mappings().all()]

    async def run_counts(self, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RunCounts]:
        if not run_ids:
            return {}
        entries = billing_run_entries.c
        counted = entries.outcome.in_(["issued", "previewed"])

        def count(outcome: str) -> Any:
            return func.count().filter(entries.outcome == outcome)

        def total(column: Any) -> Any:
            return func.coalesce(func.sum(case((counted, column), else_=literal(0))), 0)

        rows = await self.session.execute(
            select(
                entries.run_id,
                func.count(),
                count("pending"),
                count("issued"),
                count("skipped"),
                count("failed"),
                count("previewed"),
                total(entries.total_excluding_vat_cents),
                total(entries.total_vat_cents),
                total(entries.total_including_vat_cents),
            )
            .where(entries.run_id.in_(run_ids))
            .group_by(entries.run_id)
        )
        empty = RunCounts(0, 0, 0, 0, 0, 0, 0, 0, 0)
        result = {run_id: empty for run_id in run_ids}
        for row in rows:
            result[row[0]] = RunCounts(*(int(value) for value in row[1:]))
        return result

    async def insert_entries(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                pg_insert(billing_run_entries).values(rows).on_conflict_do_nothing()
            )

    async def mark_planned(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(billing_runs)
            .where(billing_runs.c.id == run_id)
            .values(planned=True, heartbeat_at=func.now())
        )

    async def lock_pending_entries(self, run_id: uuid.UUID, limit: int) -> list[EntryRow]:
        """The next pending entries of a run, locked; entries another worker holds are skipped."""
        rows = await self.session.execute(
            select(billing_run_entries)
            .where(
                billing_run_entries.c.run_id == run_id, billing_run_entries.c.outcome == "pending"
            )
            .order_by(billing_run_entries.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_entry(row) for row in rows.mappings().all()]

    async def set_entry_outcomes(self, outcomes: list[dict[str, Any]], *, worker: str) -> None:
        """Each dict: id, outcome, reason, invoice_id, invoice_number and the three totals
        (the same keys in every dict); `worker` is the replica settling them. One statement for
        the batch: it runs under the chain lock, so one round trip per entry would lengthen the
        serial part of billing."""
        if not outcomes:
            return
        rows = [
            {
                "entry_id": values["id"],
                "handled_by": worker,
                **{k: v for k, v in values.items() if k != "id"},
            }
            for values in outcomes
        ]
        await self.session.execute(
            update(billing_run_entries).where(billing_run_entries.c.id == bindparam("entry_id")),
            rows,
        )

    async def list_entries(
        self, run_id: uuid.UUID, *, outcome: str, limit: int, after_id: int | None
    ) -> list[EntryRow]:
        conditions = [billing_run_entries.c.run_id == run_id]
        if outcome:
            conditions.append(billing_run_entries.c.outcome == outcome)
        if after_id is not None:
            conditions.append(billing_run_entries.c.id > after_id)
        rows = await self.session.execute(
            select(billing_run_entries)
            .where(*conditions)
            .order_by(billing_run_entries.c.id)
            .limit(limit)
        )
        return [_entry(row) for row in rows.mappings().all()]

    # Heartbeats and staleness are leases between replicas, not business time: they use the
    # database's clock, the one clock every replica shares.
    async def touch_run(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(billing_runs).where(billing_runs.c.id == run_id).values(heartbeat_at=func.now())
        )

    async def finish_run(self, run_id: uuid.UUID, status: str, error: str = "") -> bool:
        """Marks a running run finished; False when it already was."""
        result = await self.session.execute(
            update(billing_runs)
            .where(billing_runs.c.id == run_id, billing_runs.c.status == "running")
            .values(status=status, error=error, finished_at=func.now())
            .returning(billing_runs.c.id)
        )
        return result.first() is not None

    async def claim_run(self, run_id: uuid.UUID, *, stale_after: float | None) -> bool:
        """Takes a run over: with `stale_after`, only a running one whose worker has been silent
        that long; without, any run not completed (an explicit resume)."""
        condition: ColumnElement[bool]
        if stale_after is None:
            condition = billing_runs.c.status.in_(["running", "failed"])
        else:
            condition = and_(
                billing_runs.c.status == "running",
                billing_runs.c.heartbeat_at
                < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stale_after),
            )
        result = await self.session.execute(
            update(billing_runs)
            .where(billing_runs.c.id == run_id, condition)
            .values(status="running", error="", finished_at=None, heartbeat_at=func.now())
            .returning(billing_runs.c.id)
        )
        return result.first() is not None

    async def joinable_run_ids(self, stale_after: float) -> list[uuid.UUID]:
        """Runs being worked (planned, heartbeat fresh) with entries still pending."""
        rows = await self.session.execute(
            select(billing_runs.c.id).where(
                billing_runs.c.status == "running",
                billing_runs.c.planned,
                billing_runs.c.heartbeat_at
                >= func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stale_after),
                select(billing_run_entries.c.id)
                .where(
                    billing_run_entries.c.run_id == billing_runs.c.id,
                    billing_run_entries.c.outcome == "pending",
                )
                .exists(),
            )
        )
        return list(rows.scalars().all())

    async def stale_run_ids(self, stale_after: float) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(billing_runs.c.id).where(
                billing_runs.c.status == "running",
                billing_runs.c.heartbeat_at
                < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stale_after),
            )
        )
        return list(rows.scalars().all())
