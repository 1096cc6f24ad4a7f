"""Billing runs: every contract period due by a date, invoiced exactly once, with progress, a
report, and resumption after a crash. No gRPC here.

A run first plans its entries (one per contract and billing period, from the contrat
service's billable items) and stores them; then it issues them in batches, each batch in one
transaction under the chain lock, skipping the (contract line, period) keys an invoice already
covers. Every replica works the batches of a running run (it joins it), entries are claimed
with SKIP LOCKED so two workers never take the same ones, the numbers batches render with are
reserved across replicas (run_numbers), and a run whose worker went silent is taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.convert import EUR
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import decode_key, encode_token, page_limit

from . import billing, metrics
from .access import ACCOUNTING, OFFICE, Page, parse_id
from .billing import CannotBill, Entry
from .billing_preview import Confirmation, check_confirmation
from .config import FactureSettings
from .documents import (
    Document,
    DocumentType,
    InvalidDocument,
    RenderedDocument,
    Totals,
    compute_totals,
)
from .drafts import build_document, buyer_of
from .issuing import Issuer, PendingIssue, count_issued, series_of
from .models import BillingEntryOutcome, BillingRunStatus, InvoiceSource
from .records import ContratDirectory
from .repository.billing_runs import BillingRunRepository, EntryRow, RunCounts, RunRow
from .repository.invoices import InvoiceRepository
from .run_numbers import ChainLockTimer, Reservation, SharedForecast, number_value

log = logging.getLogger(__name__)

# The documents of a batch, by entry, the rendering of all of them ahead of their issue,
# the numbers they were rendered with, and the forecast that reserved them.
RenderedAhead = tuple[
    dict[int, Document], "asyncio.Task[list[RenderedDocument]]", Reservation, SharedForecast
]


@dataclass(frozen=True, slots=True)
class RunView:
    row: RunRow
    counts: RunCounts


class BillingRuns:
    def __init__(
        self,
        database: Database,
        settings: FactureSettings,
        *,
        contrat: ContratDirectory,
        issuer: Issuer,
        clock: Clock,
    ) -> None:
        self.database = database
        self.settings = settings
        self.seller = settings.seller
        self.contrat = contrat
        self.issuer = issuer
        self.clock = clock
        # Called after each commit that wrote events (the outbox relay's notify).
        self.on_events: Callable[[], None] = lambda: None
        self._runs: dict[uuid.UUID, asyncio.Task[None]] = {}
        # Which replica settled an entry (the pod's name on Kubernetes).
        self.worker = f"{socket.gethostname()}:{os.getpid()}"[:100]

    async def start_billing_run(
        self,
        *,
        up_to: date | None,
        from_date: date | None,
        contract_id: str,
        dry_run: bool,
        wait: bool,
        idempotency_key: str,
        confirmation: Confirmation | None = None,
    ) -> RunView:
        principal = require_roles(*ACCOUNTING)
        today = self.clock.today()
        up_to = up_to or today
        if up_to > today:
            raise InvalidArgument(
                "periods are billed once due: the date may not be in the future",
                fields={"up_to": "is in the future"},
                reason="billing_run.future_date",
            )
        if from_date is not None and from_date > up_to:
            raise InvalidArgument(
                "from_date is after the billing date", fields={"from_date": "is after up_to"}
            )
        if contract_id:
            parse_id(contract_id, "contract_id")
        if not dry_run:
            await check_confirmation(
                self.database,
                principal,
                confirmation or Confirmation("", None),
                up_to=up_to,
                from_date=from_date,
                contract_id=contract_id,
            )
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            existing = (
                await repo.run_by_idempotency_key(idempotency_key) if idempotency_key else None
            )
            if existing is not None:
                run_id, new = existing.id, False
            else:
                inserted = await repo.insert_run(
                    {
                        "up_to": up_to,
                        "from_date": from_date,
                        "contract_id": contract_id or None,
                        "dry_run": dry_run,
                        "idempotency_key": idempotency_key or None,
                        "requested_by": principal.subject,
                    }
                )
                if inserted is None:  # the same key, concurrently
                    found = await repo.run_by_idempotency_key(idempotency_key)
                    assert found is not None
                    run_id, new = found.id, False
                else:
                    run_id, new = inserted, True
        if new:
            self._launch(run_id)
        if wait:
            await self._wait_for_run(run_id)
        return await self._run_view(run_id)

    async def resume_billing_run(self, run_id_text: str, wait: bool) -> RunView:
        require_roles(*ACCOUNTING)
        run_id = parse_id(run_id_text, "id")
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            run = await repo.run(run_id)
            if run is None:
                raise NotFound("billing run not found")
            if run.status == BillingRunStatus.COMPLETED:
                raise FailedPrecondition("the billing run is completed")
            claimed = run_id not in self._runs and await repo.claim_run(run_id, stale_after=None)
        if claimed:
            self._launch(run_id)
        if wait:
            await self._wait_for_run(run_id)
        return await self._run_view(run_id)

    async def get_billing_run(self, run_id: str) -> RunView:
        require_roles(*OFFICE)
        return await self._run_view(parse_id(run_id, "id"))

    async def _run_view(self, run_id: uuid.UUID) -> RunView:
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            run = await repo.run(run_id)
            if run is None:
                raise NotFound("billing run not found")
            counts = await repo.run_counts([run_id])
        return RunView(run, counts[run_id])

    async def list_billing_runs(
        self, status: str, page_size: int, page_token: str
    ) -> Page[RunView]:
        require_roles(*OFFICE)
        limit = page_limit(page_size)
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            after = decode_key(page_token, datetime.fromisoformat, uuid.UUID)
            runs = await repo.list_runs(status=status, limit=limit, after=after)
            counts = await repo.run_counts([run.id for run in runs])
        token = (
            encode_token(runs[-1].created_at.isoformat(), runs[-1].id) if len(runs) == limit else ""
        )
        return Page([RunView(run, counts[run.id]) for run in runs], token)

    async def list_run_entries(
        self, run_id: str, outcome: str, page_size: int, page_token: str
    ) -> Page[EntryRow]:
        require_roles(*OFFICE)
        parsed = parse_id(run_id, "run_id")
        limit = page_limit(page_size, maximum=2000)
        after = decode_key(page_token, int)
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            if await repo.run(parsed) is None:
                raise NotFound("billing run not found")
            entries = await repo.list_entries(
                parsed, outcome=outcome, limit=limit, after_id=after[0] if after else None
            )
        token = encode_token(entries[-1].id) if len(entries) == limit else ""
        return Page(entries, token)

    def _launch(self, run_id: uuid.UUID) -> None:
        if run_id in self._runs:
            return
        task = asyncio.create_task(self._execute_run(run_id), name=f"billing-run-{run_id}")
        self._runs[run_id] = task
        task.add_done_callback(lambda _: self._runs.pop(run_id, None))

    async def _wait_for_run(self, run_id: uuid.UUID) -> None:
        """Until the run is no longer running (here, or in another process)."""
        while True:
            task = self._runs.get(run_id)
            if task is not None:
                # The caller's deadline may cancel the wait, never the run.
                await asyncio.shield(task)
            async with self.database.unit_of_work() as session:
                run = await BillingRunRepository(session).run(run_id)
            if run is None or run.status != BillingRunStatus.RUNNING:
                return
            await asyncio.sleep(0.2)

    async def resume_stale_runs(self) -> list[uuid.UUID]:
        """Takes over the runs whose worker went silent (crashed or stopped)."""
        stale_after = self.settings.billing_stale_after_seconds
        resumed = []
        async with self.database.unit_of_work() as session:
            candidates = await BillingRunRepository(session).stale_run_ids(stale_after)
        for run_id in candidates:
            if run_id in self._runs:
                continue
            async with self.database.unit_of_work() as session:
                claimed = await BillingRunRepository(session).claim_run(
                    run_id, stale_after=stale_after
                )
            if claimed:
                log.info("resuming billing run %s", run_id)
                self._launch(run_id)
                resumed.append(run_id)
        return resumed

    async def join_live_runs(self) -> list[uuid.UUID]:
        """Works the batches of the runs other replicas are running, so that one run uses
        every replica's renderers. The worker that finishes last marks the run finished."""
        async with self.database.unit_of_work() as session:
            candidates = await BillingRunRepository(session).joinable_run_ids(
                self.settings.billing_stale_after_seconds
            )
        joined = [run_id for run_id in candidates if run_id not in self._runs]
        for run_id in joined:
            log.info("joining billing run %s", run_id)
            self._launch(run_id)
        return joined

    async def stop_runs(self) -> None:
        """At shutdown: stop working on runs (they are resumed from where they are)."""
        tasks = list(self._runs.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _execute_run(self, run_id: uuid.UUID) -> None:
        async with self.database.unit_of_work() as session:
            run = await BillingRunRepository(session).run(run_id)
        assert run is not None
        heartbeat = asyncio.create_task(self._heartbeat(run.id))
        try:
            if not run.planned:
                await self._plan_run(run)
            await self._process_entries(run)
            heartbeat.cancel()
            await self._finish_run(run, BillingRunStatus.COMPLETED)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("billing run %s failed", run_id)
            heartbeat.cancel()
            with contextlib.suppress(Exception):
                await self._finish_run(
                    run, BillingRunStatus.FAILED, str(error) or type(error).__name__
                )
        finally:
            heartbeat.cancel()

    async def _heartbeat(self, run_id: uuid.UUID) -> None:
        """Tells other replicas this run is being worked on (in its own short transactions:
        the batches never wait for each other on the run's row)."""
        interval = self.settings.billing_stale_after_seconds / 4
        while True:
            with contextlib.suppress(Exception):
                async with self.database.unit_of_work() as session:
                    await BillingRunRepository(session).touch_run(run_id)
            await asyncio.sleep(interval)

    async def _finish_run(self, run: RunRow, status: str, error: str = "") -> None:
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            if not await repo.finish_run(run.id, status, error):
                return
            counts = (await repo.run_counts([run.id]))[run.id]
            if not run.dry_run:
                await repo.record_event(
                    f"facture.billing_run.{status}",
                    "billing_run",
                    str(run.id),
                    {
                        "run_id": str(run.id),
                        "up_to": run.up_to.isoformat(),
                        "issued": counts.issued,
                        "skipped": counts.skipped,
                        "failed": counts.failed,
                        "pending": counts.pending,
                        "total_cents": counts.total_including_vat_cents,
                        "currency": EUR,
                        "error": error,
                    },
                )
        if not run.dry_run:
            metrics.BILLING_RUNS.labels(
                "succeeded" if status == BillingRunStatus.COMPLETED else "failed"
            ).inc()
        self.on_events()

    async def _plan_run(self, run: RunRow) -> None:
        token = ""
        while True:
            contracts, token = await self.contrat.billables(
                up_to=run.up_to,
                from_date=run.from_date,
                contract_id=run.contract_id or "",
                page_size=self.settings.billing_page_size,
                page_token=token,
            )
            rows = [
                {
                    "run_id": run.id,
                    "contract_id": entry.contract_id,
                    "contract_number": entry.contract_number,
                    "customer_id": entry.customer.id,
                    "customer_name": entry.customer.name,
                    "period_start": entry.period_start,
                    "period_end": entry.period_end,
                    "billables": entry.to_json(),
                }
                for entry in billing.plan_entries(contracts)
            ]
            async with self.database.unit_of_work() as session:
                repo = BillingRunRepository(session)
                for start in range(0, len(rows), 1000):
                    await repo.insert_entries(rows[start : start + 1000])
            if not token:
                break
        async with self.database.unit_of_work() as session:
            await BillingRunRepository(session).mark_planned(run.id)

    async def _process_entries(self, run: RunRow) -> None:
        batch_size = self.settings.billing_batch_size
        forecast = None if run.dry_run else self._number_forecast()
        while True:
            try:
                handled = await self._process_batches(run, batch_size, forecast)
            except Exception:
                if batch_size == 1:
                    raise
                log.warning(
                    "billing run %s: a batch failed, retrying it entry by entry",
                    run.id,
                    exc_info=True,
                )
                handled = await self._process_one_by_one(run, batch_size)
            if handled:
                continue
            async with self.database.unit_of_work() as session:
                pending = (await BillingRunRepository(session).run_counts([run.id]))[run.id].pending
            if not pending:
                return
            await asyncio.sleep(0.2)  # another worker holds the remaining entries

    def _number_forecast(self) -> SharedForecast:
        return SharedForecast(
            self.database,
            series_of(DocumentType.INVOICE, self.clock.today()),
            self.settings.billing_stale_after_seconds,
        )

    async def _process_batches(
        self, run: RunRow, size: int, forecast: SharedForecast | None
    ) -> int:
        """Batches until none is left; each next batch claims its entries and starts rendering
        while the previous one is being stored, so the renderers never wait for the database.
        Returns the entries handled; raises the first batch failure."""
        handled = 0
        previous: asyncio.Task[int] | None = None
        current: asyncio.Task[int] | None = None
        try:
            while True:
                claimed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                batch = asyncio.create_task(self._process_batch(run, size, forecast, claimed))
                current = batch
                waited: list[asyncio.Future[Any]] = [claimed, batch]
                await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
                if previous is not None:
                    stored, previous = previous, None
                    handled += await stored
                current = None
                if batch.done():
                    done = await batch
                    handled += done
                    if not done:
                        return handled
                else:
                    previous = batch
        finally:
            for task in (previous, current):
                if task is not None and not task.done():
                    with contextlib.suppress(Exception):
                        await task

    async def _process_one_by_one(self, run: RunRow, count: int) -> int:
        handled = 0
        for _ in range(count):
            try:
                done = await self._process_batch(run, 1)
            except Exception as error:
                done = await self._fail_next_entry(run, f"could not be issued: {error}")
            if not done:
                break
            handled += done
        return handled

    async def _fail_next_entry(self, run: RunRow, reason: str) -> int:
        async with self.database.unit_of_work() as session:
            repo = BillingRunRepository(session)
            entries = await repo.lock_pending_entries(run.id, 1)
            await repo.set_entry_outcomes(
                [
                    {"id": entry.id, "outcome": BillingEntryOutcome.FAILED, "reason": reason[:1000]}
                    for entry in entries
                ],
                worker=self.worker,
            )
            return len(entries)

    async def _process_batch(
        self,
        run: RunRow,
        limit: int,
        forecast: SharedForecast | None = None,
        claimed: asyncio.Future[None] | None = None,
    ) -> int:
        """Handles up to `limit` pending entries in one transaction; returns how many.

        With a forecast, the documents are rendered with their expected numbers before the
        chain lock is taken; the issuer keeps those PDFs only where the document it builds under
        the lock is the same (otherwise it renders again)."""
        today = self.clock.today()
        issued: list[PendingIssue] = []
        chain_lock = ChainLockTimer()
        # Reserved before the batch's transaction, in a short one of its own, so that the other
        # replicas see it while this batch renders; a full batch is the usual case.
        reservation = None if forecast is None else await forecast.reserve(limit)
        settled = False
        try:
            async with self.database.unit_of_work() as session:
                repo = BillingRunRepository(session)
                invoices = InvoiceRepository(session)
                rows = await repo.lock_pending_entries(run.id, limit)
                if not rows:
                    return 0
                outcomes: list[dict[str, Any]] = []
                candidates: list[tuple[EntryRow, Entry]] = []
                for row in rows:
                    entry = Entry.from_row(
                        contract_id=row.contract_id,
                        contract_number=row.contract_number,
                        period_start=row.period_start,
                        period_end=row.period_end,
                        billables=row.billables,
                    )
                    problem = self._entry_problem(entry, today)
                    if problem:
                        outcomes.append(_outcome(row, BillingEntryOutcome.FAILED, problem))
                    else:
                        candidates.append((row, entry))
                if run.dry_run:
                    await self._preview(invoices, candidates, outcomes, today)
                else:
                    ahead = self._render_ahead(candidates, forecast, reservation, today)
                    if claimed is not None and not claimed.done():
                        claimed.set_result(None)
                    issued = await self._issue_entries(
                        invoices, run, candidates, ahead, outcomes, chain_lock
                    )
                    if forecast is not None and reservation is not None:
                        last = issued[-1].document if issued else None
                        await forecast.settle(
                            session, reservation, number_value(last.number) if last else None
                        )
                await repo.set_entry_outcomes(outcomes, worker=self.worker)
            settled = True
        finally:
            if forecast is not None and reservation is not None and not settled:
                await asyncio.shield(forecast.give_up(reservation))
            if claimed is not None and not claimed.done():
                claimed.set_result(None)
        if not run.dry_run:
            chain_lock.committed(len(issued))
            count_issued(issued)
            self.on_events()
        return len(rows)

    def _render_ahead(
        self,
        candidates: list[tuple[EntryRow, Entry]],
        forecast: SharedForecast | None,
        reservation: Reservation | None,
        today: date,
    ) -> RenderedAhead | None:
        """Starts rendering the entries' documents with the numbers reserved for them;
        returns the documents by entry with their rendering."""
        if forecast is None or reservation is None or not candidates:
            return None
        documents: dict[int, Document] = {}
        for offset, (row, entry) in enumerate(candidates):
            documents[row.id] = build_document(
                billing.entry_draft(entry, self.settings.zero_rate_exemption_reason),
                type=DocumentType.INVOICE,
                number=reservation.number(offset),
                issue_date=today,
                seller=self.seller,
                buyer=buyer_of(entry.customer),
            )
        rendering = asyncio.create_task(self.issuer.render_all(list(documents.values())))
        return documents, rendering, reservation, forecast

    async def _preview(
        self,
        repo: InvoiceRepository,
        candidates: list[tuple[EntryRow, Entry]],
        outcomes: list[dict[str, Any]],
        today: date,
    ) -> None:
        billed = await repo.billed_lines(key for _, entry in candidates for key in entry.line_keys)
        for row, entry in candidates:
            skipped = self._already_billed(row, entry, billed)
            if skipped is not None:
                outcomes.append(skipped)
                continue
            done = {line for line, start in entry.line_keys if (line, start) in billed}
            draft = billing.entry_draft(
                entry.without_lines(done), self.settings.zero_rate_exemption_reason
            )
            sample = build_document(
                draft,
                type=DocumentType.INVOICE,
                number="APERÇU",
                issue_date=today,
                seller=self.seller,
                buyer=buyer_of(entry.customer),
            )
            outcomes.append(
                _outcome(row, BillingEntryOutcome.PREVIEWED, "", totals=compute_totals(sample))
            )

    @staticmethod
    def _already_billed(
        row: EntryRow, entry: Entry, billed: dict[tuple[str, date], tuple[uuid.UUID, str]]
    ) -> dict[str, Any] | None:
        """The SKIPPED outcome when every line of the entry is already invoiced."""
        if not all(key in billed for key in entry.line_keys):
            return None
        invoice_id, number = billed[entry.line_keys[0]]
        return _outcome(
            row, BillingEntryOutcome.SKIPPED, f"already invoiced by {number}", invoice_id, number
        )

    async def _issue_entries(
        self,
        repo: InvoiceRepository,
        run: RunRow,
        candidates: list[tuple[EntryRow, Entry]],
        ahead: RenderedAhead | None,
        outcomes: list[dict[str, Any]],
        chain_lock: ChainLockTimer,
    ) -> list[PendingIssue]:
        """Issues the entries not billed yet; returns what it issued."""
        prerendered: dict[int, tuple[Document, RenderedDocument]] = {}
        try:
            if ahead is not None:
                documents, rendering, reservation, forecast = ahead
                for entry_id, pdf in zip(documents, await rendering, strict=True):
                    prerendered[entry_id] = (documents[entry_id], pdf)
                # Batches take the chain lock in the order their numbers were reserved.
                await forecast.wait_for_turn(repo.session, reservation)
            # Locked before looking at what is billed: no other issue can bill meanwhile.
            head = await repo.lock_chain_head()
            chain_lock.locked()
            billed = await repo.billed_lines(
                key for _, entry in candidates for key in entry.line_keys
            )
            pending: list[tuple[EntryRow, PendingIssue]] = []
            for row, entry in candidates:
                skipped = self._already_billed(row, entry, billed)
                if skipped is not None:
                    outcomes.append(skipped)
                    continue
                done = {line for line, start in entry.line_keys if (line, start) in billed}
                entry = entry.without_lines(done) if done else entry
                pending.append(
                    (
                        row,
                        PendingIssue(
                            type=DocumentType.INVOICE,
                            draft=billing.entry_draft(
                                entry, self.settings.zero_rate_exemption_reason
                            ),
                            customer=entry.customer,
                            source=InvoiceSource.BILLING_RUN,
                            contract_id=entry.contract_id,
                            billing_run_id=run.id,
                            billed_periods=[
                                (line, start, entry.period_end) for line, start in entry.line_keys
                            ],
                            created_by=run.requested_by,
                            prerendered=prerendered.get(row.id),
                        ),
                    )
                )
            if not pending:
                return []
            await self.issuer.issue_locked(repo, head, [item for _, item in pending])
            for row, item in pending:
                assert item.document is not None and item.totals is not None
                outcomes.append(
                    _outcome(
                        row,
                        BillingEntryOutcome.ISSUED,
                        "",
                        item.issued_id,
                        item.document.number,
                        item.totals,
                    )
                )
            return [item for _, item in pending]
        finally:
            if ahead is not None:
                ahead[1].cancel()

    def _entry_problem(self, entry: Entry, today: date) -> str:
        """Why an entry cannot be invoiced (checked with the engine), or ""."""
        try:
            draft = billing.entry_draft(entry, self.settings.zero_rate_exemption_reason)
            build_document(
                draft,
                type=DocumentType.INVOICE,
                number="CONTRÔLE",
                issue_date=today,
                seller=self.seller,
                buyer=buyer_of(entry.customer),
            )
        except CannotBill as error:
            return str(error)
        except InvalidDocument as error:
            return "; ".join(f"{path}: {why}" for path, why in error.fields.items())
        return ""


def _outcome(
    row: EntryRow,
    outcome: str,
    reason: str,
    invoice_id: uuid.UUID | None = None,
    number: str | None = None,
    totals: Totals | None = None,
) -> dict[str, Any]:
    return {
        "id": row.id,
        "outcome": outcome,
        "reason": reason[:1000],
        "invoice_id": invoice_id,
        "invoice_number": number,
        "total_excluding_vat_cents": totals.tax_basis_cents if totals else 0,
        "total_vat_cents": totals.vat_total_cents if totals else 0,
        "total_including_vat_cents": totals.grand_total_cents if totals else 0,
    }
