"""All SQL of the workflow service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from .models import cron_fires, definition_versions, definitions, events, runs, step_attempts

OPEN_STATES = ("pending", "running")


@dataclass(frozen=True)
class DefinitionRow:
    name: str
    version: int
    spec: dict[str, Any]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class RunRow:
    id: uuid.UUID
    definition_name: str
    definition_version: int
    state: str
    event_id: uuid.UUID | None
    event_type: str
    source: str
    event_sequence: int
    aggregate_type: str
    aggregate_id: str
    scheduled_at: datetime | None
    context: dict[str, Any]
    results: dict[str, Any]
    current_step: int
    step_attempts: int
    error: str
    condition_failed: bool
    due_at: datetime
    lease_owner: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class AttemptRow:
    id: int
    run_id: uuid.UUID
    step_index: int
    step_name: str
    attempt: int
    state: str
    error_code: str
    error: str
    response: dict[str, Any] | None
    idempotency_key: str
    worker: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class RunFilter:
    definition: str = ""
    aggregate_type: str = ""
    aggregate_id: str = ""
    state: str = ""
    event_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Stats:
    total: int
    succeeded: int
    failed: int
    active: int


def _run(row: Any) -> RunRow:
    return RunRow(**{name: row[name] for name in RunRow.__dataclass_fields__})


def _attempt(row: Any) -> AttemptRow:
    return AttemptRow(**{name: row[name] for name in AttemptRow.__dataclass_fields__})


def _definition_query() -> Any:
    return select(
        definitions.c.name,
        definitions.c.current_version.label("version"),
        definition_versions.c.spec,
        definitions.c.enabled,
        definitions.c.created_at,
        definitions.c.updated_at,
        definitions.c.deleted_at,
    ).join(
        definition_versions,
        and_(
            definition_versions.c.name == definitions.c.name,
            definition_versions.c.version == definitions.c.current_version,
        ),
    )


def _definition(row: Any) -> DefinitionRow:
    return DefinitionRow(**{name: row[name] for name in DefinitionRow.__dataclass_fields__})


class WorkflowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- definitions ----------------------------------------------------------------------
    async def definition(self, name: str, *, for_update: bool = False) -> DefinitionRow | None:
        query = _definition_query().where(definitions.c.name == name)
        if for_update:
            query = query.with_for_update(of=definitions)
        row = (await self.session.execute(query)).mappings().first()
        return _definition(row) if row else None

    async def lock_name(self, name: str) -> None:
        """Serialises changes to one definition (two replicas loading the same files)."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext("workflow-definition:" + name)))
        )

    async def save_definition(
        self,
        name: str,
        version: int,
        spec: dict[str, Any],
        *,
        enabled: bool,
        event: str,
        cron: str,
        now: datetime,
    ) -> None:
        """Stores `spec` as `version` and makes it current (creating or reviving the name).
        `now` (the service clock) stamps it: cron schedules count from its creation."""
        values = {
            "current_version": version,
            "enabled": enabled,
            "trigger_event": event or None,
            "trigger_cron": cron or None,
            "updated_at": now,
            "deleted_at": None,
        }
        await self.session.execute(
            pg_insert(definitions)
            .values(name=name, created_at=now, **values)
            .on_conflict_do_update(index_elements=[definitions.c.name], set_=values)
        )
        await self.session.execute(
            insert(definition_versions).values(name=name, version=version, spec=spec)
        )

    async def latest_version(self, name: str) -> int:
        value = await self.session.scalar(
            select(func.max(definition_versions.c.version)).where(
                definition_versions.c.name == name
            )
        )
        return int(value or 0)

    async def mark_deleted(self, name: str, now: datetime) -> None:
        await self.session.execute(
            update(definitions)
            .where(definitions.c.name == name)
            .values(deleted_at=now, updated_at=now)
        )

    async def list_definitions(self, after: str, limit: int) -> list[DefinitionRow]:
        query = (
            _definition_query()
            .where(definitions.c.deleted_at.is_(None), definitions.c.name > after)
            .order_by(definitions.c.name)
            .limit(limit)
        )
        return [_definition(r) for r in (await self.session.execute(query)).mappings()]

    async def event_definitions(self, event_types: Iterable[str]) -> list[DefinitionRow]:
        """Enabled definitions triggered by any of `event_types`."""
        query = _definition_query().where(
            definitions.c.deleted_at.is_(None),
            definitions.c.enabled.is_(True),
            definitions.c.trigger_event.in_(list(event_types)),
        )
        return [_definition(r) for r in (await self.session.execute(query)).mappings()]

    async def cron_definitions(self) -> list[tuple[DefinitionRow, datetime | None]]:
        """Enabled cron definitions, each with its last fired schedule."""
        last_fire = (
            select(func.max(cron_fires.c.scheduled_at))
            .where(cron_fires.c.definition_name == definitions.c.name)
            .scalar_subquery()
        )
        query = (
            _definition_query()
            .add_columns(last_fire.label("last_fire"))
            .where(
                definitions.c.deleted_at.is_(None),
                definitions.c.enabled.is_(True),
                definitions.c.trigger_cron.is_not(None),
            )
        )
        return [
            (_definition(r), r["last_fire"]) for r in (await self.session.execute(query)).mappings()
        ]

    async def version_spec(self, name: str, version: int) -> dict[str, Any]:
        spec = await self.session.scalar(
            select(definition_versions.c.spec).where(
                definition_versions.c.name == name, definition_versions.c.version == version
            )
        )
        return dict(spec or {})

    # -- events and runs ------------------------------------------------------------------
    async def insert_events(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Inserts events not seen before; returns the ids that were new."""
        if not rows:
            return set()
        inserted = await self.session.execute(
            pg_insert(events).on_conflict_do_nothing().returning(events.c.id), list(rows)
        )
        return set(inserted.scalars())

    async def insert_runs(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(pg_insert(runs).on_conflict_do_nothing(), list(rows))

    async def start_scheduled_run(self, run: dict[str, Any]) -> bool:
        """Starts the run of one schedule of a definition, unless another replica already
        did: the (definition, scheduled time) row is the referee."""
        await self.session.execute(insert(runs).values(**run))
        fired = await self.session.scalar(
            pg_insert(cron_fires)
            .values(
                definition_name=run["definition_name"],
                scheduled_at=run["scheduled_at"],
                run_id=run["id"],
            )
            .on_conflict_do_nothing()
            .returning(cron_fires.c.run_id)
        )
        if fired is None:
            await self.session.execute(delete(runs).where(runs.c.id == run["id"]))
        return fired is not None

    async def lock_due_runs(self, limit: int, now: datetime) -> list[tuple[RunRow, dict[str, Any]]]:
        """Locks up to `limit` runs due at `now` (skipping those another worker holds), each with its
        definition version's spec. A run waits while an earlier event about the same business
        object (same source, lower sequence) still has an open run."""
        earlier = aliased(runs)
        blocked = exists().where(
            earlier.c.state.in_(OPEN_STATES),
            earlier.c.source == runs.c.source,
            earlier.c.aggregate_type == runs.c.aggregate_type,
            earlier.c.aggregate_id == runs.c.aggregate_id,
            earlier.c.event_sequence < runs.c.event_sequence,
        )
        query = (
            select(runs, definition_versions.c.spec.label("definition_spec"))
            .join(
                definition_versions,
                and_(
                    definition_versions.c.name == runs.c.definition_name,
                    definition_versions.c.version == runs.c.definition_version,
                ),
            )
            .where(runs.c.state.in_(OPEN_STATES), runs.c.due_at <= now, ~blocked)
            .order_by(runs.c.due_at)
            .limit(limit)
            .with_for_update(of=runs, skip_locked=True)
        )
        # Walk the due index in order and stop at `limit`: under a burst the table statistics
        # lag behind (thousands of new runs look like a dozen) and the planner would rather
        # fetch and sort every due run on each claim.
        await self.session.execute(text("SET LOCAL enable_sort = off"))
        await self.session.execute(text("SET LOCAL enable_bitmapscan = off"))
        rows = (await self.session.execute(query)).mappings().all()
        return [(_run(row), dict(row["definition_spec"])) for row in rows]

    async def abandon_running_attempts(
        self, run_ids: Sequence[uuid.UUID], error: str, now: datetime
    ) -> None:
        """Closes attempts whose worker lost its lease (crashed or stalled)."""
        if run_ids:
            await self.session.execute(
                update(step_attempts)
                .where(step_attempts.c.run_id.in_(run_ids), step_attempts.c.state == "running")
                .values(state="failed", error_code="ABANDONED", error=error, finished_at=now)
            )

    async def next_attempt_numbers(
        self, keys: Sequence[tuple[uuid.UUID, int]]
    ) -> dict[tuple[uuid.UUID, int], int]:
        """Next attempt number of each (run, step), counting every attempt ever made."""
        if not keys:
            return {}
        rows = await self.session.execute(
            select(
                step_attempts.c.run_id,
                step_attempts.c.step_index,
                func.max(step_attempts.c.attempt),
            )
            .where(step_attempts.c.run_id.in_([run_id for run_id, _ in keys]))
            .group_by(step_attempts.c.run_id, step_attempts.c.step_index)
        )
        done = {(run_id, index): number for run_id, index, number in rows}
        return {key: done.get(key, 0) + 1 for key in keys}

    async def start_attempts(self, rows: Sequence[dict[str, Any]]) -> dict[uuid.UUID, int]:
        """Records attempts as running (one per run); returns their ids by run."""
        if not rows:
            return {}
        result = await self.session.execute(
            insert(step_attempts).returning(step_attempts.c.run_id, step_attempts.c.id), list(rows)
        )
        return {run_id: attempt_id for run_id, attempt_id in result}

    async def lease_runs(
        self, leases: Sequence[tuple[uuid.UUID, float]], worker: str, now: datetime
    ) -> None:
        """Marks runs as running for `worker` until `now` + seconds (their lease)."""
        if not leases:
            return
        await self.session.execute(
            update(runs)
            .where(runs.c.id == bindparam("b_id"))
            .values(
                state="running",
                lease_owner=worker,
                step_attempts=runs.c.step_attempts + 1,
                due_at=bindparam("b_due", type_=DateTime(timezone=True)),
                updated_at=now,
            ),
            [
                {"b_id": run_id, "b_due": now + timedelta(seconds=seconds)}
                for run_id, seconds in leases
            ],
        )

    async def lock_runs(
        self, run_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, str, int]]:
        """Locks runs; returns (state, lease owner, current step) of each."""
        if not run_ids:
            return {}
        rows = await self.session.execute(
            select(runs.c.id, runs.c.state, runs.c.lease_owner, runs.c.current_step)
            .where(runs.c.id.in_(list(run_ids)))
            .with_for_update()
        )
        return {row.id: (row.state, row.lease_owner, row.current_step) for row in rows}

    async def close_attempts(self, outcomes: Sequence[dict[str, Any]], now: datetime) -> None:
        """Ends running attempts: attempt_id, state, error_code, error, response each."""
        if not outcomes:
            return
        await self.session.execute(
            update(step_attempts)
            .where(
                step_attempts.c.id == bindparam("attempt_id"), step_attempts.c.state == "running"
            )
            .values(
                state=bindparam("state"),
                error_code=bindparam("error_code"),
                error=bindparam("error"),
                response=bindparam("response", type_=JSONB),
                finished_at=now,
            ),
            list(outcomes),
        )

    async def update_runs(self, changes: Sequence[dict[str, Any]], now: datetime) -> None:
        """Moves runs on after their step: run_id, state, current_step, step_attempts,
        results, error, lease_owner, finished_at, and delay (seconds after `now` until due)."""
        if not changes:
            return
        rows = [
            {
                **{key: value for key, value in change.items() if key != "delay"},
                "due_at": now + timedelta(seconds=change["delay"]),
            }
            for change in changes
        ]
        await self.session.execute(
            update(runs)
            .where(runs.c.id == bindparam("run_id"))
            .values(
                state=bindparam("state"),
                current_step=bindparam("current_step"),
                step_attempts=bindparam("step_attempts"),
                results=bindparam("results", type_=JSONB),
                error=bindparam("error"),
                lease_owner=bindparam("lease_owner"),
                finished_at=bindparam("finished_at", type_=DateTime(timezone=True)),
                due_at=bindparam("due_at", type_=DateTime(timezone=True)),
                updated_at=now,
            ),
            rows,
        )

    async def update_run(
        self,
        run_id: uuid.UUID,
        now: datetime,
        *,
        delay_seconds: float | None = None,
        **values: Any,
    ) -> None:
        if delay_seconds is not None:
            values["due_at"] = now + timedelta(seconds=delay_seconds)
        await self.session.execute(
            update(runs).where(runs.c.id == run_id).values(updated_at=now, **values)
        )

    async def run(self, run_id: uuid.UUID, *, for_update: bool = False) -> RunRow | None:
        query = select(runs).where(runs.c.id == run_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _run(row) if row else None

    async def attempts(self, run_id: uuid.UUID) -> list[AttemptRow]:
        rows = await self.session.execute(
            select(step_attempts)
            .where(step_attempts.c.run_id == run_id)
            .order_by(step_attempts.c.step_index, step_attempts.c.attempt)
        )
        return [_attempt(r) for r in rows.mappings()]

    async def list_runs(
        self, where: RunFilter, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[RunRow]:
        query = select(runs)
        if where.definition:
            query = query.where(runs.c.definition_name == where.definition)
        if where.aggregate_type:
            query = query.where(runs.c.aggregate_type == where.aggregate_type)
        if where.aggregate_id:
            query = query.where(runs.c.aggregate_id == where.aggregate_id)
        if where.state:
            query = query.where(runs.c.state == where.state)
        if where.event_id is not None:
            query = query.where(runs.c.event_id == where.event_id)
        if after is not None:
            created_at, run_id = after
            query = query.where(
                or_(
                    runs.c.created_at < created_at,
                    and_(runs.c.created_at == created_at, runs.c.id < run_id),
                )
            )
        query = query.order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit)
        return [_run(r) for r in (await self.session.execute(query)).mappings()]

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """Runs due at `now` (pending or with an expired lease), and the oldest due time."""
        row = (
            await self.session.execute(
                select(func.count(), func.min(runs.c.due_at)).where(
                    runs.c.state.in_(OPEN_STATES), runs.c.due_at <= now
                )
            )
        ).one()
        return int(row[0]), row[1]

    async def stats(self, name: str) -> Stats:
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(runs.c.state == "succeeded"),
                    func.count().filter(runs.c.state == "failed"),
                    func.count().filter(runs.c.state.in_(OPEN_STATES)),
                ).where(runs.c.definition_name == name)
            )
        ).one()
        return Stats(*(int(v) for v in row))

    async def latest_run(self, name: str) -> RunRow | None:
        row = (
            (
                await self.session.execute(
                    select(runs)
                    .where(runs.c.definition_name == name)
                    .order_by(runs.c.created_at.desc(), runs.c.id.desc())
                    .limit(1)
                )
            )
            .mappings()
            .first()
        )
        return _run(row) if row else None
