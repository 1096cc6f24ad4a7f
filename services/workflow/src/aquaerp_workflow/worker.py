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
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.waiting import wait_for_event
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


@dataclass(frozen=True)
class Outcome:
    """What a step call gave: the response as JSON data, or a failure."""

    response: dict[str, Any] | None = None
    failure: StepFailure | None = None


# Most outcomes recorded in one transaction.
FINISH_BATCH = 256


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
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.database = database
        self.invoke = invoke
        self.policy = policy or WorkerPolicy()
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.name = name or worker_name()
        self.specs = specs or SpecCache()
        # Decides which runs are due and stamps attempts; the loop still paces on real sleeps.
        self.clock = clock
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
        """Asks the worker to look for due runs now."""
        self._wakeup.set()

    # -- loop -----------------------------------------------------------------------------
    async def run(self) -> None:
        """Runs until cancelled, keeping up to `concurrency` steps in flight. Calls run
        concurrently; their outcomes are recorded in batches by one finisher, so that under
        load many steps share one commit."""
        outcomes: asyncio.Queue[tuple[Claim, Outcome]] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()
        # Claims leased to this worker and not yet recorded, released if the worker stops.
        held: dict[uuid.UUID, Claim] = {}
        busy = 0

        def launch(claim: Claim) -> None:
            held[claim.run.id] = claim

            async def attempt() -> None:
                await outcomes.put((claim, await self.call(claim)))

            task = asyncio.create_task(attempt())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        async def finishing() -> None:
            nonlocal busy
            while True:
                batch = [await outcomes.get()]
                while not outcomes.empty() and len(batch) < FINISH_BATCH:
                    batch.append(outcomes.get_nowait())
                try:
                    continued = await self.finish(batch)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # The leases run out and the runs are claimed again: nothing is lost.
                    log.exception("recording %d step outcomes failed", len(batch))
                    continued = []
                for claim, _ in batch:
                    held.pop(claim.run.id, None)
                busy -= len(batch) - len(continued)
                for claim in continued:
                    launch(claim)
                self._wakeup.set()

        finisher = asyncio.create_task(finishing())
        try:
            while True:
                free = self.concurrency - busy
                claims: list[Claim] = []
                self._wakeup.clear()
                if free > 0:
                    try:
                        claims = await self.claim(free)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("claiming runs failed")
                busy += len(claims)
                for claim in claims:
                    launch(claim)
                if claims and len(claims) == free:
                    continue
                # Full: wait for a slot. Otherwise: for new runs, or the next poll.
                await wait_for_event(self._wakeup, None if free <= 0 else self.poll_interval)
        finally:
            finisher.cancel()
            for task in tasks:
                task.cancel()
            if held:
                await self.release(list(held.values()))

    async def release(self, claims: list[Claim]) -> None:
        """Gives leased runs back at once when the worker stops (SIGTERM, redeploy), rather
        than letting their leases run out: the interrupted attempt counts as failed and the
        run is due again now, for whichever replica comes first."""
        try:
            async with self.database.unit_of_work() as session:
                repository = WorkflowRepository(session)
                now = self.clock.now()
                held = await repository.lock_runs([claim.run.id for claim in claims])
                mine = [
                    c for c in claims if held.get(c.run.id) == ("running", self.name, c.step_index)
                ]
                await repository.close_attempts(
                    [
                        {
                            "attempt_id": c.attempt_id,
                            "state": "failed",
                            "error_code": "ABANDONED",
                            "error": "the workflow service stopped during the call",
                            "response": None,
                        }
                        for c in mine
                    ],
                    now,
                )
                await repository.update_runs(
                    [
                        {
                            "run_id": c.run.id,
                            "state": "pending",
                            "current_step": c.step_index,
                            "step_attempts": c.used_attempts,
                            "results": c.results,
                            "error": "interrupted by a restart",
                            "lease_owner": "",
                            "finished_at": None,
                            "delay": 0.0,
                        }
                        for c in mine
                    ],
                    now,
                )
            log.info("released %d runs on stop", len(mine))
        except Exception:
            log.exception("could not release %d runs; their leases will run out", len(claims))

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
            now = self.clock.now()
            locked = await repository.lock_due_runs(limit, now)
            if not locked:
                return []
            await repository.abandon_running_attempts(
                [run.id for run, _ in locked if run.state == "running"], ABANDONED, now
            )
            ready: list[tuple[RunRow, WorkflowSpec]] = []
            for run, data in locked:
                spec = self.specs.get(run.definition_name, run.definition_version, data)
                if run.current_step >= len(spec.steps):
                    await repository.update_run(
                        run.id, now, state="succeeded", lease_owner="", finished_at=now
                    )
                    continue
                step = spec.steps[run.current_step]
                if run.state == "running" and run.step_attempts >= self.policy.retry(step).attempts:
                    await repository.update_run(
                        run.id,
                        now,
                        state="failed",
                        error=f"step {step.name}: {ABANDONED}",
                        lease_owner="",
                        finished_at=now,
                    )
                    RUNS_FINISHED.labels(run.definition_name, "failed").inc()
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
        now = self.clock.now()
        for row in rows:
            row["started_at"] = now
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
            now,
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
            continued = await self.finish([(current, await self.call(current))])
            current = continued[0] if continued else None

    async def call(self, claim: Claim) -> Outcome:
        """Makes the step's call; never raises (a failure is an outcome)."""
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
            outcome = Outcome(response=response)
        except (catalog.UnknownService, catalog.UnknownMethod) as error:
            outcome = Outcome(failure=StepFailure("UNIMPLEMENTED", str(error), permanent=True))
        except TemplateProblem as problem:
            outcome = Outcome(failure=StepFailure("TEMPLATE", str(problem), permanent=True))
        except catalog.ArgumentsMismatch as error:
            outcome = Outcome(
                failure=StepFailure(
                    "INVALID_ARGUMENT", f"arguments do not fit the request: {error}", permanent=True
                )
            )
        except StepFailure as error:
            outcome = Outcome(failure=error)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unexpected client error: retry like a failure
            log.exception("step %s of run %s raised", step.name, claim.run.id)
            outcome = Outcome(failure=StepFailure("INTERNAL", str(error) or type(error).__name__))
        STEP_SECONDS.labels(definition).observe(asyncio.get_running_loop().time() - started)
        STEP_ATTEMPTS.labels(definition, "failed" if outcome.failure else "succeeded").inc()
        return outcome

    async def finish(self, batch: list[tuple[Claim, Outcome]]) -> list[Claim]:
        """Records outcomes in one transaction: attempts closed, runs moved on, retried later
        or failed. Outcomes of runs whose lease this worker lost are discarded. Returns the
        claims of the next steps of runs that continue (already leased to this worker)."""
        async with self.database.unit_of_work() as session:
            repository = WorkflowRepository(session)
            now = self.clock.now()
            held = await repository.lock_runs([claim.run.id for claim, _ in batch])
            kept = []
            for claim, outcome in batch:
                if held.get(claim.run.id) == ("running", self.name, claim.step_index):
                    kept.append((claim, outcome))
                else:
                    log.warning(
                        "lost the lease of run %s step %s; outcome discarded",
                        claim.run.id,
                        claim.step.name,
                    )
            await repository.close_attempts(
                [
                    {
                        "attempt_id": claim.attempt_id,
                        "state": "failed" if outcome.failure else "succeeded",
                        "error_code": outcome.failure.code if outcome.failure else "",
                        "error": outcome.failure.message if outcome.failure else "",
                        "response": outcome.response,
                    }
                    for claim, outcome in kept
                ],
                now,
            )
            updates: list[dict[str, Any]] = []
            continuing: list[tuple[RunRow, WorkflowSpec]] = []
            continuing_results: dict[uuid.UUID, dict[str, Any]] = {}
            for claim, outcome in kept:
                update = self._run_update(claim, outcome, now)
                updates.append(update)
                if update["state"] == "running":
                    continuing.append(
                        (
                            replace(
                                claim.run, current_step=update["current_step"], step_attempts=0
                            ),
                            claim.spec,
                        )
                    )
                    continuing_results[claim.run.id] = update["results"]
                elif update["state"] in ("succeeded", "failed"):
                    RUNS_FINISHED.labels(claim.run.definition_name, update["state"]).inc()
                    if update["state"] == "failed":
                        log.warning(
                            "run %s of %s failed: %s",
                            claim.run.id,
                            claim.run.definition_name,
                            update["error"],
                        )
            await repository.update_runs(updates, now)
            return await self._start(
                repository, continuing, results=continuing_results, fresh_step=True
            )

    def _run_update(self, claim: Claim, outcome: Outcome, now: datetime) -> dict[str, Any]:
        """Where the run goes after this outcome (the columns `update_runs` writes)."""
        step = claim.step
        update: dict[str, Any] = {
            "run_id": claim.run.id,
            "state": "pending",
            "current_step": claim.step_index,
            "step_attempts": claim.used_attempts,
            "results": claim.results,
            "error": "",
            "lease_owner": "",
            "finished_at": None,
            "delay": 0.0,
        }
        if outcome.failure is None:
            results = {**claim.results, step.name: outcome.response or {}}
            next_step = claim.step_index + 1
            if next_step < len(claim.spec.steps):
                return {
                    **update,
                    "state": "running",
                    "current_step": next_step,
                    "step_attempts": 0,
                    "results": results,
                    "lease_owner": self.name,
                }
            return {
                **update,
                "state": "succeeded",
                "current_step": next_step,
                "results": results,
                "finished_at": now,
            }
        failure = outcome.failure
        error = f"step {step.name} attempt {claim.attempt}: {failure.code}: {failure.message}"
        if failure.permanent or claim.used_attempts >= self.policy.retry(step).attempts:
            return {**update, "state": "failed", "error": error, "finished_at": now}
        return {**update, "error": error, "delay": self.policy.backoff(step, claim.used_attempts)}
