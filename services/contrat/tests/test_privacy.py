"""Personal data in contrat: the marketing consent (separate from service e-mails, dated and
sourced), and the checks made before an erasure or an export reaches the other services (the
whole erasure across services is tests/security/test_gdpr_erasure.py)."""

from __future__ import annotations

from datetime import timedelta

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Contrat, private_input


async def test_marketing_consent_is_recorded_with_its_date_and_source(contrat: Contrat) -> None:
    office = await contrat.office()
    created = await contrat.customer(
        private_input(marketing_consent=True, marketing_consent_source="formulaire papier")
    )
    assert created.marketing_consent and created.marketing_consent_source == "formulaire papier"
    assert created.marketing_consent_time.ToSeconds() == int(contrat.clock.now().timestamp())

    # Saving the form again with the same answer keeps the date of the consent.
    contrat.clock.advance(timedelta(days=10))
    same = await contrat.stub.UpdateCustomer(
        pb.UpdateCustomerRequest(
            id=created.id,
            customer=private_input(
                marketing_consent=True, marketing_consent_source="formulaire papier"
            ),
        ),
        metadata=office,
    )
    assert same.marketing_consent_time == created.marketing_consent_time

    # Withdrawn by phone: a new date and source; service e-mails are not affected.
    contrat.clock.advance(timedelta(days=5))
    withdrawn = await contrat.stub.UpdateCustomer(
        pb.UpdateCustomerRequest(
            id=created.id,
            customer=private_input(marketing_consent=False, marketing_consent_source="téléphone"),
        ),
        metadata=office,
    )
    assert not withdrawn.marketing_consent
    assert withdrawn.marketing_consent_source == "téléphone"
    assert withdrawn.marketing_consent_time.ToSeconds() == (
        created.marketing_consent_time.ToSeconds() + 15 * 86400
    )
    assert withdrawn.billing_email == created.billing_email

    read = await contrat.stub.GetCustomer(pb.GetCustomerRequest(id=created.id), metadata=office)
    listed = await contrat.stub.ListCustomers(
        pb.ListCustomersRequest(query=created.code), metadata=office
    )
    assert read.marketing_consent_time == withdrawn.marketing_consent_time
    assert [c.marketing_consent_source for c in listed.customers] == ["téléphone"]
    assert not read.HasField("erase_time")


async def test_no_consent_means_no_date(contrat: Contrat) -> None:
    created = await contrat.customer(private_input())
    assert not created.marketing_consent and not created.HasField("marketing_consent_time")


async def test_erasure_needs_a_reason_and_no_live_contract(contrat: Contrat) -> None:
    office = await contrat.office()
    live = await contrat.active(private_input())
    without_reason = await rpc_error(
        contrat.stub.EraseCustomer(
            pb.EraseCustomerRequest(id=live.customer_id, reason="  "), metadata=office
        )
    )
    assert without_reason.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "reason" in field_violations(without_reason.trailing_metadata())
    refused = await rpc_error(
        contrat.stub.EraseCustomer(
            pb.EraseCustomerRequest(id=live.customer_id, reason="demande du client"),
            metadata=office,
        )
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    still = await contrat.stub.GetCustomer(
        pb.GetCustomerRequest(id=live.customer_id), metadata=office
    )
    assert still.name == "Julien Martin" and not still.HasField("erase_time")


async def test_only_the_office_exports_or_erases_and_only_services_apply_retention(
    contrat: Contrat,
) -> None:
    customer = await contrat.customer(private_input())
    for role in ("compta", "technicien"):
        metadata = await contrat.as_role(role)
        export = await rpc_error(
            contrat.stub.ExportCustomerPersonalData(
                pb.ExportCustomerPersonalDataRequest(id=customer.id), metadata=metadata
            )
        )
        erase = await rpc_error(
            contrat.stub.EraseCustomer(
                pb.EraseCustomerRequest(id=customer.id, reason="essai"), metadata=metadata
            )
        )
        assert export.code() == erase.code() == grpc.StatusCode.PERMISSION_DENIED, role
    client = await contrat.as_role("client", customer.id)
    own = await rpc_error(
        contrat.stub.ExportCustomerPersonalData(
            pb.ExportCustomerPersonalDataRequest(id=customer.id), metadata=client
        )
    )
    assert own.code() == grpc.StatusCode.PERMISSION_DENIED
    retention = await rpc_error(
        contrat.stub.ApplyRetention(
            common_pb2.ApplyRetentionRequest(), metadata=await contrat.office()
        )
    )
    assert retention.code() == grpc.StatusCode.PERMISSION_DENIED
    unknown = await rpc_error(
        contrat.stub.EraseCustomer(
            pb.EraseCustomerRequest(id="00000000-0000-0000-0000-000000000000", reason="essai"),
            metadata=await contrat.office(),
        )
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
