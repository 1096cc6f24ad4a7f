"""Billing runs against a real contrat service: preview, catch-up, proration, the report, and
exactly one invoice per contract and period when runs repeat, overlap, or die half-way."""

from __future__ import annotations

import asyncio
import calendar
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp_runtime.testing.plugin import bearer
from aquaerp_runtime.testing.polling import eventually
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Facture, StartFacture, as_date, eur, first_of_month, months_before
from .replica import replica_process


def contract_line(
    label: str, price: int, rate: str = "20", code: str = "ENT"
) -> cpb.ContractLineInput:
    return cpb.ContractLineInput(
        product_code=code, label=label, quantity="1", unit_price=eur(price), vat_rate=rate
    )


async def run(facture: Facture, **fields: object) -> pb.BillingRun:
    """A run as accounting starts it: a real run confirms its preview (made first)."""
    compta = await facture.as_role("compta")
    if not fields.get("dry_run") and "confirmed_preview_id" not in fields:
        same_run = {k: v for k, v in fields.items() if k != "idempotency_key"}
        preview = await facture.stub.StartBillingRun(
            pb.StartBillingRunRequest(wait=True, dry_run=True, **same_run), metadata=compta
        )
        fields = {**fields, "confirmed_preview_id": preview.id}
    return await facture.stub.StartBillingRun(
        pb.StartBillingRunRequest(wait=True, **fields), metadata=compta
    )


async def entries(facture: Facture, run_id: str) -> list[pb.BillingRunEntry]:
    response = await facture.stub.ListBillingRunEntries(
        pb.ListBillingRunEntriesRequest(run_id=run_id), metadata=await facture.as_role("compta")
    )
    return list(response.entries)


async def invoices_by_period(facture: Facture) -> Counter[tuple[str, date]]:
    response = await facture.stub.ListInvoices(
        pb.ListInvoicesRequest(page=common_pb2.PageRequest(page_size=500)),
        metadata=await facture.as_role("compta"),
    )
    return Counter((i.contract_id, as_date(i.billing_period_start)) for i in response.invoices)


COUNTED = (
    "aquaerp_facture_invoices_issued_total",
    "aquaerp_facture_issued_amount_cents_total",
    "aquaerp_facture_billing_runs_total",
)
# The serial part: the chain lock's time per invoice, one observation per invoice issued.
CHAIN_LOCK = "aquaerp_facture_chain_lock_seconds_per_invoice"


def sample(name: str) -> float:
    labels = {"outcome": "succeeded"} if name == "aquaerp_facture_billing_runs_total" else {}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def test_preview_then_run_then_run_again(facture: Facture) -> None:
    today = facture.clock.today()
    this_month = first_of_month(today)
    customer = await facture.customer()
    # Started two months ago, never billed: three monthly periods are due (catch-up).
    late = await facture.contract(customer.id, start=months_before(today, 2))
    # Two VAT rates on one contract.
    mixed = await facture.contract(
        customer.id,
        start=this_month,
        lines=[
            contract_line("Entretien spa", 12000),
            contract_line("Produits", 3550, "5.5", "PRD"),
        ],
    )
    # Started on the 15th of last month: that month is prorated.
    mid_start = months_before(today, 1).replace(day=15)
    prorated = await facture.contract(customer.id, start=mid_start)
    # A 0 % line without a configured exemption wording cannot be invoiced.
    exempt = await facture.contract(
        customer.id, start=this_month, lines=[contract_line("Analyse ARS", 3000, "0")]
    )

    preview = await run(facture, dry_run=True)
    assert preview.status == pb.BILLING_RUN_STATUS_COMPLETED and preview.dry_run
    assert (preview.entries_total, preview.previewed, preview.failed, preview.issued) == (
        7,
        6,
        1,
        0,
    )
    days = calendar.monthrange(mid_start.year, mid_start.month)[1]
    first_part = half_up(Decimal(12000) * (days - 14) / days)
    expected_ht = 3 * 12000 + (12000 + 3550) + (first_part + 12000)
    expected_vat = (
        3 * 2400 + (2400 + half_up(Decimal("195.25"))) + half_up(Decimal(first_part) / 5) + 2400
    )
    assert preview.total_excluding_vat.amount_cents == expected_ht
    assert preview.total_vat.amount_cents == expected_vat
    assert sum((await invoices_by_period(facture)).values()) == 0

    lock_samples = (f"{CHAIN_LOCK}_count", f"{CHAIN_LOCK}_sum")
    before = {name: sample(name) for name in (*COUNTED, *lock_samples)}
    billed = await run(facture, idempotency_key="run-1")
    assert (billed.issued, billed.skipped, billed.failed, billed.entries_done) == (6, 0, 1, 7)
    assert billed.total_including_vat.amount_cents == expected_ht + expected_vat
    # The dashboards' counters (the dry run is not counted).
    assert {name: sample(name) - before[name] for name in COUNTED} == {
        "aquaerp_facture_invoices_issued_total": 6,
        "aquaerp_facture_issued_amount_cents_total": expected_ht + expected_vat,
        "aquaerp_facture_billing_runs_total": 1,
    }
    assert sample(f"{CHAIN_LOCK}_count") - before[f"{CHAIN_LOCK}_count"] == 6
    assert sample(f"{CHAIN_LOCK}_sum") > before[f"{CHAIN_LOCK}_sum"]
    assert await invoices_by_period(facture) == {
        (late.id, months_before(today, 2)): 1,
        (late.id, months_before(today, 1)): 1,
        (late.id, this_month): 1,
        (mixed.id, this_month): 1,
        (prorated.id, months_before(today, 1)): 1,
        (prorated.id, this_month): 1,
    }
    report = {
        (e.contract_id, as_date(e.period_start)): e for e in await entries(facture, billed.id)
    }
    failed = report[(exempt.id, this_month)]
    assert failed.outcome == pb.BILLING_ENTRY_OUTCOME_FAILED
    assert "0 % VAT" in failed.reason
    issued = report[(prorated.id, months_before(today, 1))]
    assert issued.outcome == pb.BILLING_ENTRY_OUTCOME_ISSUED and issued.invoice_number
    invoice = await facture.stub.GetInvoice(
        pb.GetInvoiceRequest(id=issued.invoice_id), metadata=await facture.as_role("compta")
    )
    assert (
        invoice.source == pb.INVOICE_SOURCE_BILLING_RUN
        and invoice.contract_reference == prorated.number
    )
    assert f"prorata {days - 14}/{days} jours" in invoice.lines[0].description
    assert invoice.lines[0].net_amount.amount_cents == first_part

    # The same request again (a retried workflow step): the same run, nothing new.
    again = await run(facture, idempotency_key="run-1")
    assert again.id == billed.id
    # A new run: everything is already invoiced.
    second = await run(facture)
    assert (second.issued, second.skipped, second.failed) == (0, 6, 1)
    skipped = [
        e
        for e in await entries(facture, second.id)
        if e.outcome == pb.BILLING_ENTRY_OUTCOME_SKIPPED
    ]
    assert all(e.reason == f"already invoiced by {e.invoice_number}" for e in skipped)
    assert sum((await invoices_by_period(facture)).values()) == 6
    completed = await facture.events("facture.billing_run.completed")
    assert [(e["run_id"], e["issued"], e["skipped"]) for e in completed] == [
        (billed.id, 6, 0),
        (second.id, 0, 6),
    ]


async def test_two_runs_at_once_on_two_replicas_bill_each_period_once(
    committed_facture: StartFacture,
) -> None:
    first = await committed_facture(billing_batch_size=2)
    second = await committed_facture(billing_batch_size=2)
    today = first.clock.today()
    customer = await first.customer()
    contracts = [await first.contract(customer.id, start=months_before(today, 1)) for _ in range(4)]

    runs = await asyncio.gather(run(first), run(second))

    assert sum(r.issued for r in runs) == 8 and sum(r.skipped for r in runs) == 8
    assert all(r.status == pb.BILLING_RUN_STATUS_COMPLETED and r.failed == 0 for r in runs)
    periods = await invoices_by_period(first)
    assert periods == {
        (contract.id, month): 1
        for contract in contracts
        for month in (months_before(today, 1), first_of_month(today))
    }
    report = await first.stub.VerifyChain(
        pb.VerifyChainRequest(), metadata=await first.as_role("compta")
    )
    assert report.intact and report.documents_checked == 8


async def test_a_run_killed_half_way_is_resumed_by_another_replica(
    committed_facture: StartFacture, database_url: str, engine: AsyncEngine
) -> None:
    office = await committed_facture(billing_join_interval_seconds=0)
    today = office.clock.today()
    customer = await office.customer()
    contracts = [
        await office.contract(customer.id, start=months_before(today, 1)) for _ in range(10)
    ]

    # A facture replica in its own process, killed with SIGKILL in the middle of the run; the
    # office's replica does not join runs here, it only takes over the silent one.
    async with replica_process(office, database_url) as doomed:
        compta = bearer(await office.token("compta"))
        preview = await doomed.stub.StartBillingRun(
            pb.StartBillingRunRequest(dry_run=True, wait=True), metadata=compta
        )
        started = await doomed.stub.StartBillingRun(
            pb.StartBillingRunRequest(confirmed_preview_id=preview.id), metadata=compta
        )

        async def half_way() -> pb.BillingRun | None:
            progress = await doomed.stub.GetBillingRun(
                pb.GetBillingRunRequest(id=started.id), metadata=compta
            )
            done = progress.issued >= 3 or progress.status != pb.BILLING_RUN_STATUS_RUNNING
            return progress if done else None

        progress = await eventually(half_way, timeout=60, what="three invoices issued")
        assert progress.status == pb.BILLING_RUN_STATUS_RUNNING
        await doomed.kill()

    async with engine.connect() as connection:
        status, pending = (
            await connection.execute(
                text(
                    "SELECT r.status, count(*) FILTER (WHERE e.outcome = 'pending')"
                    " FROM facture.billing_runs r JOIN facture.billing_run_entries e"
                    " ON e.run_id = r.id WHERE r.id = :id GROUP BY r.status"
                ),
                {"id": started.id},
            )
        ).one()
    assert status == "running" and pending > 0, "the run must have been killed half-way"

    # Another replica notices the silent run and finishes it.
    await committed_facture(billing_stale_after_seconds=1.0)

    async def finished() -> pb.BillingRun | None:
        run = await office.stub.GetBillingRun(
            pb.GetBillingRunRequest(id=started.id), metadata=compta
        )
        return run if run.status != pb.BILLING_RUN_STATUS_RUNNING else None

    final = await eventually(finished, timeout=90, interval=0.2, what="the run resumed and done")

    assert final.status == pb.BILLING_RUN_STATUS_COMPLETED
    assert (final.issued, final.failed, final.entries_total) == (20, 0, 20)
    assert await invoices_by_period(office) == {
        (contract.id, month): 1
        for contract in contracts
        for month in (months_before(today, 1), first_of_month(today))
    }
    report = await office.stub.VerifyChain(pb.VerifyChainRequest(), metadata=compta)
    assert report.intact and report.documents_checked == 20
