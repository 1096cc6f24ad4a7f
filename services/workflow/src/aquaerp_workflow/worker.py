"""The worker: claims due runs, executes their steps, records every attempt.

Claiming locks runs with FOR UPDATE SKIP LOCKED and gives the claiming worker a lease (the
step's timeout plus a margin) before the call is made, so two workers (two replicas) never
execute the same attempt: the other one skips locked runs, and sees leased runs as not due.
A worker that dies mid-step loses its lease; the next claimant closes the orphaned attempt
as failed and tries again with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aquaerp_runtime.db import Database
from google.protobuf.message import Message
from prometheus_client import Counter, Histogram

from . import catalog
from .definition import RetryPolicy, StepSpec, WorkflowSpec
from .repository import RunRow, WorkflowRepository
from .service import SpecCache
from .templates import TemplateProblem, render_args

log = logging.getLogger(__name__)

STEP_ATTEMPTS = Counter(
    "aquaerp_workflow_step_attempts_total", "Step attempts by outcome", ["definition", "outcome"]
)
STEP_SECONDS = Histogram(
    "aquaerp_workflow_step_seconds",
    "Duration of step calls",
    ["definition"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RUNS_FINISHED = Counter(
    "aquaerp_workflow_runs_finished_total", "Runs finished", ["definition", "state"]
)

ABANDONED = "the worker executing this attempt stopped or overran its lease"


class StepFailure(Exception):
    """A step call that did not succeed. `permanent` failures are not retried."""

    def __init__(self, code: str, message: str, *, permanent: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.permanent = permanent


# Sends `request` to `method` with a deadline and an idempotency key; returns the response as
# JSON data or raises StepFailure.
Invoke = Callable[[catalog.Method, Message, float, str], Awaitable[dict[str, Any]]]


def idempotency_key(run_id: uuid.UUID, step_index: int) -> str:
    """The same for every attempt of one step of one run, so a retry never acts twice."""
    return f"workflow-{run_id}-{step_index}"


@dataclass
class Claim:
    """A step attempt this worker holds the lease for."""

    run: RunRow
    spec: WorkflowSpec
    step_index: int
    attempt_id: int
    attempt: int
    # Attempts of this step counted against its retry policy, this one included.
    used_attempts: int
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def step(self) -> StepSpec:
        return self.spec.steps[self.step_index]


@dataclass(frozen=True)
class WorkerPolicy:
    default_attempts: int = 3
    default_backoff_seconds: int = 10
    default_timeout_seconds: int = 30
    max_backoff_seconds: int = 3600
    lease_margin: float = 30.0

    def retry(self, step: StepSpec) -> RetryPolicy:
        return step.retry or RetryPolicy(self.default_attempts, self.default_backoff_seconds)

    def timeout(self, step: StepSpec) -> float:
        return float(step.timeout_seconds or self.default_timeout_seconds)

    def backoff(self, step: StepSpec, failed_attempts: int) -> float:
        """Wait before the next attempt: backoff_seconds, doubling after each failure."""
        base = self.retry(step).backoff_seconds
        return float(min(base * 2 ** max(0, failed_attempts - 1), self.max_backoff_seconds))


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        database: Database,
        invoke: Invoke,
        *,
        policy: WorkerPolicy | None = None,
        concurrency: int = 32,
        poll_interval: float = 0.5,
        name: str | None = None,
        specs: SpecCache | None = None,
    ) -> None:
        self.database = database
        self.invoke = invoke
        self.policy = policy or WorkerPolicy()
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.name = name or worker_name()
        self.specs = specs or SpecCache()
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
        """Asks the worker to look for due runs now."""
        self._wakeup.set()

    # -- loop -----------------------------------------------------------------------------
    async def run(self) -> None:
        """Runs until cancelled, keeping up to `concurrency` steps in flight."""
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while True:
                free = self.concurrency - len(in_flight)
                claims: list[Claim] = []
                if free > 0:
                    self._wakeup.clear()
                    try:
                        claims = await self.claim(free)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("claiming runs failed")
                for claim in claims:
                    task = asyncio.create_task(self.execute(claim))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if claims and len(claims) == free:
                    continue
                await self._wait(in_flight, full=free <= 0)
        finally:
            for task in in_flight:
                task.cancel()

    async def _wait(self, in_flight: set[asyncio.Task[None]], *, full: bool) -> None:
        waiters: set[asyncio.Future[Any]] = set(in_flight)
        wakeup = asyncio.ensure_future(self._wakeup.wait())
        if not full:
            waiters.add(wakeup)
        try:
            await asyncio.wait(
                waiters,
                timeout=None if full else self.poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            wakeup.cancel()

    async def run_until_idle(self, *, max_rounds: int = 1000) -> int:
        """Executes due steps until none is due (tests, tools); returns how many ran."""
        executed = 0
        for _ in range(max_rounds):
            claims = await self.claim(self.concurrency)
            if not claims:
                return executed
            await asyncio.gather(*(self.execute(claim) for claim in claims))
            executed += len(claims)
        return executed

    # -- claiming -------------------------------------------------------------------------
    async def claim(self, limit: int) -> list[Claim]:
        """Leases up to `limit` due runs to this worker and records their attempts as running."""
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            locked = await repository.lock_due_runs(limit)
            if not locked:
                return []
            await repository.abandon_running_attempts(
                [run.id for run, _ in locked if run.state == "running"], ABANDONED
            )
            ready: list[tuple[RunRow, WorkflowSpec]] = []
            for run, data in locked:
                spec = self.specs.get(run.definition_name, run.definition_version, data)
                if run.current_step >= len(spec.steps):
                    await repository.update_run(
                        run.id, state="succeeded", lease_owner="", finished_at=datetime.now(UTC)
                    )
                    continue
                step = spec.steps[run.current_step]
                if run.state == "running" and run.step_attempts >= self.policy.retry(step).attempts:
                    await self._finish_failed(
                        repository, run, step.name, f"step {step.name}: {ABANDONED}"
                    )
                    continue
                ready.append((run, spec))
            return await self._start(repository, ready)

    async def _start(
        self,
        repository: WorkflowRepository,
        ready: list[tuple[RunRow, WorkflowSpec]],
        *,
        results: dict[uuid.UUID, dict[str, Any]] | None = None,
        fresh_step: bool = False,
    ) -> list[Claim]:
        if not ready:
            return []
        numbers = await repository.next_attempt_numbers(
            [(run.id, run.current_step) for run, _ in ready]
        )
        rows: list[dict[str, Any]] = []
        for run, spec in ready:
            step = spec.steps[run.current_step]
            rows.append(
                {
                    "run_id": run.id,
                    "step_index": run.current_step,
                    "step_name": step.name,
                    "attempt": numbers[(run.id, run.current_step)],
                    "state": "running",
                    "idempotency_key": idempotency_key(run.id, run.current_step),
                    "worker": self.name,
                }
            )
        ids = await repository.start_attempts(rows)
        await repository.lease_runs(
            [
                (
                    run.id,
                    self.policy.timeout(spec.steps[run.current_step]) + self.policy.lease_margin,
                )
                for run, spec in ready
            ],
            self.name,
        )
        return [
            Claim(
                run=run,
                spec=spec,
                step_index=run.current_step,
                attempt_id=ids[run.id],
                attempt=row["attempt"],
                used_attempts=1 if fresh_step else run.step_attempts + 1,
                results=(results or {}).get(run.id, run.results),
            )
            for (run, spec), row in zip(ready, rows, strict=True)
        ]

    # -- executing ------------------------------------------------------------------------
    def _context(self, claim: Claim) -> dict[str, Any]:
        run = claim.run
        identity = {
            "id": str(run.id),
            "definition": run.definition_name,
            "version": run.definition_version,
        }
        return {
            **run.context,
            "run": {**identity, **run.context.get("run", {})},
            "steps": claim.results,
        }

    async def execute(self, claim: Claim) -> None:
        """Executes the claimed step, then the following ones while they succeed."""
        current: Claim | None = claim
        while current is not None:
            current = await self._execute_step(current)

    async def _execute_step(self, claim: Claim) -> Claim | None:
        step = claim.step
        definition = claim.run.definition_name
        started = asyncio.get_running_loop().time()
        try:
            method = catalog.resolve(step.call)
            args = render_args(step.args, self._context(claim))
            request = catalog.build_request(method, args)
            key = idempotency_key(claim.run.id, claim.step_index)
            if method.takes_idempotency_key and not getattr(request, catalog.IDEMPOTENCY_KEY_FIELD):
                setattr(request, catalog.IDEMPOTENCY_KEY_FIELD, key)
            response = await self.invoke(method, request, self.policy.timeout(step), key)
        except (catalog.UnknownService, catalog.UnknownMethod) as error:
            failure = StepFailure("UNIMPLEMENTED", str(error), permanent=True)
        except TemplateProblem as problem:
            failure = StepFailure("TEMPLATE", str(problem), permanent=True)
        except catalog.ArgumentsMismatch as error:
            failure = StepFailure(
                "INVALID_ARGUMENT", f"arguments do not fit the request: {error}", permanent=True
            )
        except StepFailure as error:
            failure = error
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unexpected client error: retry like a failure
            log.exception("step %s of run %s raised", step.name, claim.run.id)
            failure = StepFailure("INTERNAL", str(error) or type(error).__name__)
        else:
            STEP_SECONDS.labels(definition).observe(asyncio.get_running_loop().time() - started)
            STEP_ATTEMPTS.labels(definition, "succeeded").inc()
            return await self._succeeded(claim, response)
        STEP_SECONDS.labels(definition).observe(asyncio.get_running_loop().time() - started)
        STEP_ATTEMPTS.labels(definition, "failed").inc()
        await self._failed(claim, failure)
        return None

    async def _holds(self, repository: WorkflowRepository, claim: Claim) -> RunRow | None:
        """The run, locked, if this worker still holds its lease for the claimed step."""
        run = await repository.run(claim.run.id, for_update=True)
        if (
            run is None
            or run.state != "running"
            or run.lease_owner != self.name
            or run.current_step != claim.step_index
        ):
            log.warning(
                "lost the lease of run %s step %s; result discarded", claim.run.id, claim.step.name
            )
            return None
        return run

    async def _succeeded(self, claim: Claim, response: dict[str, Any]) -> Claim | None:
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            run = await self._holds(repository, claim)
            if run is None or not await repository.close_attempt(
                claim.attempt_id, state="succeeded", response=response
            ):
                return None
            results = {**claim.results, claim.step.name: response}
            next_step = claim.step_index + 1
            if next_step < len(claim.spec.steps):
                await repository.update_run(
                    run.id, current_step=next_step, step_attempts=0, results=results, error=""
                )
                moved = await repository.run(run.id)
                assert moved is not None
                claims = await self._start(
                    repository, [(moved, claim.spec)], results={run.id: results}, fresh_step=True
                )
                return claims[0]
            await repository.update_run(
                run.id,
                state="succeeded",
                current_step=next_step,
                results=results,
                error="",
                lease_owner="",
                finished_at=datetime.now(UTC),
            )
        RUNS_FINISHED.labels(claim.run.definition_name, "succeeded").inc()
        return None

    async def _failed(self, claim: Claim, failure: StepFailure) -> None:
        step = claim.step
        error = f"step {step.name} attempt {claim.attempt}: {failure.code}: {failure.message}"
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            run = await self._holds(repository, claim)
            if run is None or not await repository.close_attempt(
                claim.attempt_id, state="failed", error_code=failure.code, error=failure.message
            ):
                return
            if failure.permanent or claim.used_attempts >= self.policy.retry(step).attempts:
                await self._finish_failed(repository, run, step.name, error)
                log.warning("run %s of %s failed: %s", run.id, run.definition_name, error)
                return
            delay = self.policy.backoff(step, claim.used_attempts)
            await repository.update_run(
                run.id, state="pending", error=error, lease_owner="", delay_seconds=delay
            )

    async def _finish_failed(
        self, repository: WorkflowRepository, run: RunRow, step_name: str, error: str
    ) -> None:
        await repository.update_run(
            run.id, state="failed", error=error, lease_owner="", finished_at=datetime.now(UTC)
        )
        RUNS_FINISHED.labels(run.definition_name, "failed").inc()
