"""One billing run worked by two replicas at once (each renders ahead with numbers reserved
for it), one of them killed with SIGKILL mid-run: every due period is still invoiced exactly
once, the numbers have no gap and the chain verifies."""

from __future__ import annotations

from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp_runtime.testing.plugin import bearer
from aquaerp_runtime.testing.polling import eventually
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import StartFacture, first_of_month, months_before
from .replica import replica_process
from .test_billing_runs import invoices_by_period

CONTRACTS = 16  # two due periods each: 32 entries, 16 batches of 2


async def handled_by(engine: AsyncEngine, run_id: str) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT handled_by, count(*) FROM facture.billing_run_entries"
                " WHERE run_id = :id AND outcome = 'issued' GROUP BY handled_by"
            ),
            {"id": run_id},
        )
        return {str(worker): int(count) for worker, count in rows.all()}


async def test_one_run_on_two_replicas_survives_one_killed_mid_run(
    committed_facture: StartFacture, database_url: str, engine: AsyncEngine
) -> None:
    office = await committed_facture(
        billing_batch_size=2, billing_join_interval_seconds=0.2, billing_stale_after_seconds=3.0
    )
    today = office.clock.today()
    customer = await office.customer()
    contracts = [
        await office.contract(customer.id, start=months_before(today, 1)) for _ in range(CONTRACTS)
    ]
    compta = bearer(await office.token("compta"))

    async with replica_process(
        office, database_url, billing_join_interval_seconds="0.2", billing_stale_after_seconds="3"
    ) as doomed:
        preview = await doomed.stub.StartBillingRun(
            pb.StartBillingRunRequest(dry_run=True, wait=True), metadata=compta
        )
        started = await doomed.stub.StartBillingRun(
            pb.StartBillingRunRequest(confirmed_preview_id=preview.id), metadata=compta
        )

        async def both_working() -> dict[str, int] | None:
            workers = await handled_by(engine, started.id)
            return workers if len(workers) == 2 else None

        before_kill = await eventually(
            both_working, timeout=120, interval=0.1, what="both replicas issuing the run's batches"
        )
        await doomed.kill()

    async def finished() -> pb.BillingRun | None:
        run = await office.stub.GetBillingRun(
            pb.GetBillingRunRequest(id=started.id), metadata=compta
        )
        return run if run.status != pb.BILLING_RUN_STATUS_RUNNING else None

    final = await eventually(finished, timeout=120, interval=0.2, what="the run finished")

    assert final.status == pb.BILLING_RUN_STATUS_COMPLETED
    assert (final.issued, final.failed, final.entries_total) == (2 * CONTRACTS, 0, 2 * CONTRACTS)
    assert await invoices_by_period(office) == {
        (contract.id, month): 1
        for contract in contracts
        for month in (months_before(today, 1), first_of_month(today))
    }
    after = await handled_by(engine, started.id)
    assert set(after) == set(before_kill), "the same two replicas issued the whole run"
    assert sum(after.values()) == 2 * CONTRACTS
    async with engine.connect() as connection:
        numbers = sorted(
            int(number.rpartition("-")[2])
            for number in (
                await connection.scalars(text("SELECT number FROM facture.invoices"))
            ).all()
        )
    assert numbers == list(range(1, 2 * CONTRACTS + 1)), "numbers without a gap"
    report = await office.stub.VerifyChain(pb.VerifyChainRequest(), metadata=compta)
    assert report.intact and report.documents_checked == 2 * CONTRACTS
