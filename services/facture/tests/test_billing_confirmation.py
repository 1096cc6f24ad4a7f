"""A real billing run is confirmed from its preview: refused without the preview, with the
preview of another run, or with totals that are not the preview's; confirmed, it issues what
the preview showed. The scheduled run of the workflow service needs no preview."""

from __future__ import annotations

from datetime import timedelta

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, bearer, rpc_error

from .conftest import Facture, d, eur, months_before


async def test_a_real_run_needs_the_confirmed_preview_of_the_same_run(facture: Facture) -> None:
    today = facture.clock.today()
    compta = await facture.as_role("compta")
    customer = await facture.customer()
    await facture.contract(customer.id, start=months_before(today, 1))

    def start(
        **fields: object,
    ) -> grpc.aio.UnaryUnaryCall[pb.StartBillingRunRequest, pb.BillingRun]:
        return facture.stub.StartBillingRun(
            pb.StartBillingRunRequest(wait=True, **fields), metadata=compta
        )

    refused = await rpc_error(start())
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "confirmed_preview_id" in field_violations(refused.trailing_metadata())
    future = await rpc_error(start(dry_run=True, up_to=d(today + timedelta(days=1))))
    assert future.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "up_to" in field_violations(future.trailing_metadata())

    preview = await start(dry_run=True)
    assert (preview.previewed, preview.issued) == (2, 0)
    other = await start(dry_run=True, from_date=d(today.replace(day=1)))
    mismatched = await rpc_error(start(confirmed_preview_id=other.id))
    assert mismatched.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "confirmed_preview_id" in field_violations(mismatched.trailing_metadata())
    not_a_preview = await rpc_error(start(confirmed_preview_id="not-an-id"))
    assert "confirmed_preview_id" in field_violations(not_a_preview.trailing_metadata())
    seen = preview.total_including_vat.amount_cents
    changed = await rpc_error(
        start(confirmed_preview_id=preview.id, confirmed_total_including_vat=eur(seen - 1))
    )
    assert changed.code() == grpc.StatusCode.FAILED_PRECONDITION
    listed = await facture.stub.ListInvoices(pb.ListInvoicesRequest(), metadata=compta)
    assert list(listed.invoices) == []

    billed = await start(confirmed_preview_id=preview.id, confirmed_total_including_vat=eur(seen))
    assert not billed.dry_run and billed.status == pb.BILLING_RUN_STATUS_COMPLETED
    assert (billed.issued, billed.total_including_vat.amount_cents) == (preview.previewed, seen)
    assert billed.total_excluding_vat.amount_cents == preview.total_excluding_vat.amount_cents


async def test_the_scheduled_run_of_the_workflow_service_needs_no_preview(
    facture: Facture,
) -> None:
    today = facture.clock.today()
    customer = await facture.customer()
    await facture.contract(customer.id, start=months_before(today, 1))
    workflow = await facture.auth.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(
            client_id="workflow", client_secret=SERVICE_ACCOUNT_SECRET
        )
    )
    scheduled = await facture.stub.StartBillingRun(
        pb.StartBillingRunRequest(wait=True, up_to=d(today.replace(day=1))),
        metadata=bearer(workflow.access_token),
    )
    assert scheduled.status == pb.BILLING_RUN_STATUS_COMPLETED and scheduled.issued == 2
