"""Workflow domain logic: events in, definitions, runs, schedules. No gRPC here."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA, require_roles
from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from aquaerp_runtime.paging import TOKEN_FIELD, decode_token, encode_token, page_limit
from prometheus_client import Gauge

from . import catalog
from .definition import SpecError, Violations, WorkflowSpec, parse_spec, summary, validate
from .repository import AttemptRow, DefinitionRow, RunFilter, RunRow, Stats, WorkflowRepository
from .schedule import fire_context, latest_fire_time
from .templates import TemplateProblem, evaluate_condition

log = logging.getLogger(__name__)

RUNS_DUE = Gauge("aquaerp_workflow_runs_due", "Runs waiting for a worker now")
RUN_LAG = Gauge(
    "aquaerp_workflow_run_lag_seconds", "How long the oldest due run has waited (0 when none)"
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class AttemptState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


RUN_STATES = tuple(state.value for state in RunState)
MAX_EVENTS_PER_CALL = 1000


@dataclass(frozen=True)
class IncomingEvent:
    """A domain event as delivered by a service's outbox relay."""

    id: uuid.UUID
    type: str
    source: str
    aggregate_type: str
    aggregate_id: str
    sequence: int
    occurred_at: datetime
    payload: dict[str, Any]

    def template_view(self) -> dict[str, Any]:
        """What conditions and templates see as `event`."""
        return {
            "id": str(self.id),
            "type": self.type,
            "source": self.source,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }


def parse_event(
    index: int,
    *,
    id: str,
    type: str,
    source: str,
    aggregate_type: str,
    aggregate_id: str,
    sequence: int,
    occurred_at: str,
    payload_json: str,
    received_at: datetime,
) -> IncomingEvent:
    """Checks one delivered event; InvalidArgument names the bad field. An event without
    its time is taken as having occurred when received (`received_at`, the service clock)."""
    path = f"events[{index}]"
    try:
        event_id = uuid.UUID(id)
    except ValueError:
        raise InvalidArgument(
            f"{path}.id must be a UUID", fields={f"{path}.id": "must be a UUID"}
        ) from None
    for name, value in (
        ("type", type),
        ("source", source),
        ("aggregate_type", aggregate_type),
        ("aggregate_id", aggregate_id),
    ):
        if not value or len(value) > (200 if name == "type" else 100):
            raise InvalidArgument(
                f"{path}.{name} is required (at most 100 characters, 200 for type)",
                fields={f"{path}.{name}": "required"},
            )
    try:
        when = datetime.fromisoformat(occurred_at) if occurred_at else received_at
    except ValueError:
        raise InvalidArgument(
            f"{path}.occurred_at must be an RFC 3339 time",
            fields={f"{path}.occurred_at": "must be an RFC 3339 time"},
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        payload = json.loads(payload_json or "{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise InvalidArgument(
            f"{path}.payload_json must be a JSON object",
            fields={f"{path}.payload_json": "must be a JSON object"},
        )
    return IncomingEvent(
        event_id, type, source, aggregate_type, aggregate_id, sequence, when, payload
    )


@dataclass(frozen=True)
class DefinitionPage:
    definitions: list[DefinitionRow]
    next_page_token: str


@dataclass(frozen=True)
class RunPage:
    runs: list[RunRow]
    next_page_token: str


@dataclass(frozen=True)
class DefinitionStats:
    definition: DefinitionRow
    stats: Stats
    last_run: RunRow | None


class SpecCache:
    """Parsed specs by (name, version): a stored version never changes."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, int], WorkflowSpec] = {}

    def get(self, name: str, version: int, data: dict[str, Any]) -> WorkflowSpec:
        key = (name, version)
        spec = self._specs.get(key)
        if spec is None:
            spec = self._specs[key] = parse_spec(data)
        return spec


def _run_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument("run id must be a UUID", fields={"id": "must be a UUID"}) from None


def event_run_row(
    run_id: uuid.UUID,
    definition: DefinitionRow,
    event: IncomingEvent,
    *,
    state: str,
    now: datetime,
    error: str = "",
) -> dict[str, Any]:
    return {
        "id": run_id,
        "definition_name": definition.name,
        "definition_version": definition.version,
        "state": state,
        "event_id": event.id,
        "event_type": event.type,
        "source": event.source,
        "event_sequence": event.sequence,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "context": {"event": event.template_view()},
        "error": error,
        "condition_failed": bool(error),
        "finished_at": now if state == "failed" else None,
        "due_at": now,
    }


def condition_context(
    definition: str, version: int, run_id: uuid.UUID, context: dict[str, Any]
) -> dict[str, Any]:
    """Names a condition sees: the event (or schedule) and the run's identity."""
    run = {
        "id": str(run_id),
        "definition": definition,
        "version": version,
        **context.get("run", {}),
    }
    return {**context, "run": run, "steps": {}}


class WorkflowService:
    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = SYSTEM_CLOCK,
        on_new_runs: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.specs = SpecCache()
        # Tells the local worker that runs are waiting (it polls too, for other replicas' runs).
        self.on_new_runs = on_new_runs

    # -- definitions ----------------------------------------------------------------------
    def check(self, name: str, data: Any) -> tuple[WorkflowSpec | None, Violations]:
        """The parsed spec and every problem found (an empty dict when valid)."""
        try:
            spec = parse_spec(data)
        except SpecError as error:
            return None, {
                ("spec." + k if k not in ("spec",) else k): v for k, v in error.violations.items()
            }
        return spec, {
            (k if k == "name" else f"spec.{k}"): v for k, v in validate(name, spec).items()
        }

    async def validate_definition(self, name: str, data: Any) -> Violations:
        require_roles(ADMIN, BUREAU, COMPTA)
        return self.check(name, data)[1]

    async def upsert_definition(self, name: str, data: Any) -> tuple[DefinitionRow, bool]:
        """Stores a valid spec; returns the definition and whether a new version was written."""
        require_roles(ADMIN)
        return await self.store_definition(name, data)

    async def store_definition(self, name: str, data: Any) -> tuple[DefinitionRow, bool]:
        """Upsert without the caller check (the local loader at start)."""
        spec, violations = self.check(name, data)
        if violations or spec is None:
            raise InvalidArgument(
                f"invalid workflow definition: {summary(violations)}", fields=violations
            )
        canonical = spec.to_dict()
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            await repository.lock_name(name)
            current = await repository.definition(name)
            if current is not None and current.deleted_at is None and current.spec == canonical:
                return current, False
            version = await repository.latest_version(name) + 1
            await repository.save_definition(
                name,
                version,
                canonical,
                enabled=spec.enabled,
                event=spec.trigger.event,
                cron=spec.trigger.cron,
                now=self.clock.now(),
            )
            stored = await repository.definition(name)
        assert stored is not None
        log.info("workflow definition %s version %s stored", name, version)
        return stored, True

    async def delete_definition(self, name: str, *, allow_missing: bool = False) -> bool:
        require_roles(ADMIN)
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            await repository.lock_name(name)
            current = await repository.definition(name)
            if current is None or current.deleted_at is not None:
                if allow_missing:
                    return False
                raise NotFound(f"workflow definition {name!r} not found")
            await repository.mark_deleted(name, self.clock.now())
        log.info("workflow definition %s deleted", name)
        return True

    async def get_definition(self, name: str) -> DefinitionRow:
        require_roles(ADMIN, BUREAU, COMPTA)
        async with self.database.unit_of_work() as session:
            current = await WorkflowRepository(session).definition(name)
        if current is None or current.deleted_at is not None:
            raise NotFound(f"workflow definition {name!r} not found")
        return current

    async def list_definitions(self, page_size: int, page_token: str) -> DefinitionPage:
        require_roles(ADMIN, BUREAU, COMPTA)
        limit = page_limit(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        after = decode_token(page_token, 1)
        async with self.database.unit_of_work() as session:
            rows = await WorkflowRepository(session).list_definitions(
                after[0] if after else "", limit + 1
            )
        next_token = encode_token(rows[limit - 1].name) if len(rows) > limit else ""
        return DefinitionPage(rows[:limit], next_token)

    async def definition_stats(self, name: str) -> DefinitionStats:
        require_roles(ADMIN, BUREAU, COMPTA)
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            current = await repository.definition(name)
            if current is None or current.deleted_at is not None:
                raise NotFound(f"workflow definition {name!r} not found")
            stats = await repository.stats(name)
            last = await repository.latest_run(name)
        return DefinitionStats(current, stats, last)

    # -- events ---------------------------------------------------------------------------
    async def publish(self, events: Sequence[IncomingEvent]) -> int:
        """Stores new events and starts their runs in one transaction; returns how many
        events were new (redelivered ones are acknowledged and ignored)."""
        require_roles()
        if len(events) > MAX_EVENTS_PER_CALL:
            raise InvalidArgument(
                f"at most {MAX_EVENTS_PER_CALL} events per call", fields={"events": "too many"}
            )
        if not events:
            return 0
        unique = list({event.id: event for event in events}.values())
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            new_ids = await repository.insert_events(
                [
                    {
                        "id": e.id,
                        "type": e.type,
                        "source": e.source,
                        "aggregate_type": e.aggregate_type,
                        "aggregate_id": e.aggregate_id,
                        "sequence": e.sequence,
                        "occurred_at": e.occurred_at,
                        "payload": e.payload,
                    }
                    for e in unique
                ]
            )
            fresh = [e for e in unique if e.id in new_ids]
            by_type: dict[str, list[DefinitionRow]] = {}
            if fresh:
                for definition in await repository.event_definitions({e.type for e in fresh}):
                    by_type.setdefault(definition.spec["trigger"]["event"], []).append(definition)
            now = self.clock.now()
            run_rows = [
                self._event_run(definition, event, now)
                for event in sorted(fresh, key=lambda e: (e.source, e.sequence))
                for definition in by_type.get(event.type, [])
            ]
            await repository.insert_runs([row for row in run_rows if row is not None])
        if any(row is not None for row in run_rows):
            self.on_new_runs()
        return len(fresh)

    def _event_run(
        self, definition: DefinitionRow, event: IncomingEvent, now: datetime
    ) -> dict[str, Any] | None:
        spec = self.specs.get(definition.name, definition.version, definition.spec)
        run_id = uuid.uuid4()
        if spec.when:
            context = condition_context(
                definition.name, definition.version, run_id, {"event": event.template_view()}
            )
            try:
                if not evaluate_condition(spec.when, context):
                    return None
            except TemplateProblem as problem:
                # Visible and retryable rather than silently skipped.
                return event_run_row(
                    run_id,
                    definition,
                    event,
                    state="failed",
                    now=now,
                    error=f"condition: {problem}",
                )
        return event_run_row(run_id, definition, event, state="pending", now=now)

    # -- schedules ------------------------------------------------------------------------
    async def fire_schedules(self) -> list[tuple[str, datetime]]:
        """Starts one run for the latest schedule due on the clock of each cron definition not
        yet fired. Safe on every replica: a unique row per definition and scheduled time
        decides."""
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            candidates = await WorkflowRepository(session).cron_definitions()
        fired = []
        for definition, last_fire in candidates:
            spec = self.specs.get(definition.name, definition.version, definition.spec)
            scheduled_at = latest_fire_time(spec.trigger.cron, spec.trigger.zone, now)
            anchor = max(last_fire or definition.created_at, definition.created_at)
            if scheduled_at <= anchor:
                continue
            if await self._fire(definition, scheduled_at, now):
                fired.append((definition.name, scheduled_at))
        if fired:
            self.on_new_runs()
        return fired

    async def _fire(self, definition: DefinitionRow, scheduled_at: datetime, now: datetime) -> bool:
        async with self.database.unit_of_work() as session:
            fired = await WorkflowRepository(session).start_scheduled_run(
                {
                    "id": uuid.uuid4(),
                    "definition_name": definition.name,
                    "definition_version": definition.version,
                    "state": "pending",
                    "scheduled_at": scheduled_at,
                    "due_at": now,
                    "context": {"run": fire_context(scheduled_at)},
                }
            )
        if fired:
            log.info("cron workflow %s fired for %s", definition.name, scheduled_at.isoformat())
        return fired

    async def export_backlog(self) -> None:
        """Sets the backlog gauges (workers falling behind show here first)."""
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            due, oldest = await WorkflowRepository(session).backlog(now)
        RUNS_DUE.set(due)
        RUN_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)

    # -- runs -----------------------------------------------------------------------------
    async def list_runs(self, where: RunFilter, page_size: int, page_token: str) -> RunPage:
        require_roles(ADMIN, BUREAU, COMPTA)
        if where.state and where.state not in RUN_STATES:
            raise InvalidArgument("unknown run state", fields={"state": "unknown"})
        if where.aggregate_id and not where.aggregate_type:
            raise InvalidArgument(
                "aggregate_id needs aggregate_type",
                fields={"aggregate_type": "required with aggregate_id"},
            )
        limit = page_limit(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        after = None
        if (values := decode_token(page_token, 2)) is not None:
            try:
                after = (datetime.fromisoformat(values[0]), uuid.UUID(values[1]))
            except ValueError:
                raise InvalidArgument(
                    "invalid page token", fields={TOKEN_FIELD: "invalid page token"}
                ) from None
        async with self.database.unit_of_work() as session:
            rows = await WorkflowRepository(session).list_runs(where, limit + 1, after)
        next_token = ""
        if len(rows) > limit:
            last = rows[limit - 1]
            next_token = encode_token(last.created_at.isoformat(), last.id)
        return RunPage(rows[:limit], next_token)

    async def get_run(self, run_id: str) -> tuple[RunRow, list[AttemptRow]]:
        require_roles(ADMIN, BUREAU, COMPTA)
        identifier = _run_id(run_id)
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            run = await repository.run(identifier)
            if run is None:
                raise NotFound(f"run {run_id} not found")
            return run, await repository.attempts(identifier)

    async def retry_run(self, run_id: str) -> tuple[RunRow, list[AttemptRow]]:
        """Puts a failed run back in line at the step that failed, with a fresh retry budget.
        A run whose condition could not be evaluated has it evaluated again first."""
        principal = require_roles(ADMIN, BUREAU)
        identifier = _run_id(run_id)
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            run = await repository.run(identifier, for_update=True)
            if run is None:
                raise NotFound(f"run {run_id} not found")
            spec = self.specs.get(
                run.definition_name,
                run.definition_version,
                await repository.version_spec(run.definition_name, run.definition_version),
            )
            _may_run_steps(principal, spec)
            if run.state != "failed":
                raise FailedPrecondition(
                    f"only a failed run can be retried (this one is {run.state})"
                )
            values: dict[str, Any] = {
                "state": "pending",
                "step_attempts": 0,
                "error": "",
                "finished_at": None,
                "lease_owner": "",
                "condition_failed": False,
            }
            if run.condition_failed:
                context = condition_context(
                    run.definition_name, run.definition_version, run.id, run.context
                )
                try:
                    if not evaluate_condition(spec.when, context):
                        values = {
                            "state": "skipped",
                            "error": "",
                            "condition_failed": False,
                            "finished_at": self.clock.now(),
                        }
                except TemplateProblem as problem:
                    values = {"error": f"condition: {problem}"}
            await repository.update_run(identifier, self.clock.now(), delay_seconds=0, **values)
            updated = await repository.run(identifier)
            attempts = await repository.attempts(identifier)
        assert updated is not None
        if updated.state == "pending":
            log.info("run %s of %s retried by an operator", run_id, run.definition_name)
            self.on_new_runs()
        return updated, attempts


def _may_run_steps(principal: Principal, spec: WorkflowSpec) -> None:
    """A retried run executes its steps as the workflow service: the person retrying it must
    hold a role allowed to call each of them (bureau does not retry an accounting step)."""
    for step in spec.steps:
        try:
            roles = catalog.resolve(step.call).roles
        except LookupError:
            continue  # a method no longer installed fails the run again, harmlessly
        if roles and not principal.has_any(*roles):
            raise PermissionDenied(
                f"retrying this run calls {step.call}, reserved to {', '.join(roles)}"
            )
