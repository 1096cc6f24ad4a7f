"""Gapless numbering under load: numbers are taken from a counter row locked in the issuing
transaction, so an issue that rolls back after taking its number gives it back."""

from __future__ import annotations

import asyncio

import grpc
from aquaerp.facture.v1 import facture_pb2 as pb
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import StartFacture

FORCED = "échec forcé après numérotation"

# Fails the issuing transaction of marked drafts at the very end, after the number was taken,
# the PDF rendered and the hash computed: the worst moment for a gap.
FORCED_FAILURE = [
    """
    CREATE FUNCTION facture.test_forced_failure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'forced failure of % after numbering', NEW.number;
    END $$
    """,
    f"""
    CREATE TRIGGER test_forced_failure BEFORE UPDATE ON facture.invoices FOR EACH ROW
    WHEN (NEW.status = 'issued' AND NEW.content->>'note' = '{FORCED}')
    EXECUTE FUNCTION facture.test_forced_failure()
    """,
]


async def test_fifty_concurrent_issues_ten_rolled_back_leave_numbers_1_to_40(
    committed_facture: StartFacture, engine: AsyncEngine
) -> None:
    facture = await committed_facture()
    customer = await facture.customer()
    drafts = await asyncio.gather(
        *(facture.draft(customer.id, note=FORCED if n % 5 == 0 else "") for n in range(50))
    )
    async with engine.begin() as connection:
        for statement in FORCED_FAILURE:
            await connection.execute(text(statement))
    compta = await facture.as_role("compta")

    results = await asyncio.gather(
        *(
            facture.stub.IssueInvoice(pb.IssueInvoiceRequest(id=d.id), metadata=compta)
            for d in drafts
        ),
        return_exceptions=True,
    )

    failed = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    issued = [r for r in results if isinstance(r, pb.Invoice)]
    assert len(failed) == 10 and len(issued) == 40
    year = facture.clock.today().year
    assert sorted(i.number for i in issued) == [f"FA-{year}-{n:06d}" for n in range(1, 41)]
    assert sorted(i.chain_position for i in issued) == list(range(1, 41))
    forced = {d.id for n, d in enumerate(drafts) if n % 5 == 0}
    assert {i.id for i in issued}.isdisjoint(forced)
    async with engine.connect() as connection:
        counter = await connection.scalar(
            text("SELECT value FROM facture.counters WHERE series = :s"), {"s": f"FA-{year}"}
        )
        still_drafts = await connection.scalar(
            text("SELECT count(*) FROM facture.invoices WHERE status = 'draft' AND number IS NULL")
        )
    assert (counter, still_drafts) == (40, 10)
    report = await facture.stub.VerifyChain(pb.VerifyChainRequest(), metadata=compta)
    assert report.intact and report.documents_checked == 40
