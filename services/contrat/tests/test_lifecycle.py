"""Contract lifecycle: draft -> active -> suspended -> terminated, renewal, each refusal, the
gapless number, and events written in the same transaction as the change."""

from __future__ import annotations

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.clock import paris
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from sqlalchemy import text

from .conftest import Contrat, as_date, business_input, contract_input, d, line

# The year of the test clock (conftest.NOW), which numbers the contracts.
YEAR = 2026


async def test_activation_allocates_gapless_numbers_and_emits_the_event(contrat: Contrat) -> None:
    office = await contrat.office()
    draft = await contrat.draft()
    assert (draft.status, draft.number) == (pb.CONTRACT_STATUS_DRAFT, "")
    first = await contrat.stub.ActivateContract(
        pb.ActivateContractRequest(id=draft.id), metadata=office
    )
    assert first.status == pb.CONTRACT_STATUS_ACTIVE
    assert first.number == f"CT-{YEAR}-00001"
    # A refused activation in between takes no number.
    empty = await contrat.draft(lines=[])
    refused = await rpc_error(
        contrat.stub.ActivateContract(pb.ActivateContractRequest(id=empty.id), metadata=office)
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    second = await contrat.active()
    assert second.number == f"CT-{YEAR}-00002"

    [event] = await contrat.events(first.id)
    assert event["type"] == "contrat.contract.activated"
    assert event["number"] == first.number
    assert event["customer_id"] == first.customer_id
    assert event["site_ids"] == list(first.site_ids)
    assert event["effective_date"] == "2026-01-01"
    assert event["activation_date"] == "2026-07-15"
    assert event["plan_ids"] == []


async def test_activation_refusals(contrat: Contrat) -> None:
    office = await contrat.office()

    async def refusal(contract: pb.Contract) -> str:
        error = await rpc_error(
            contrat.stub.ActivateContract(
                pb.ActivateContractRequest(id=contract.id), metadata=office
            )
        )
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        return error.details()

    assert "at least one line" in await refusal(await contrat.draft(lines=[]))
    customer = await contrat.customer()
    no_site = await contrat.stub.CreateContract(
        pb.CreateContractRequest(contract=contract_input(customer.id, [])), metadata=office
    )
    assert "at least one site" in await refusal(no_site)
    no_contact = await contrat.draft(business_input(billing_email="", billing_contact_name=""))
    assert "billing contact" in await refusal(no_contact)
    active = await contrat.active()
    assert await refusal(active) == "a active contract cannot be activated"
    assert (
        await contrat.scalar("SELECT count(*) FROM contrat.contracts WHERE number IS NOT NULL") == 1
    )


async def test_suspend_resume_terminate_with_events(contrat: Contrat) -> None:
    office = await contrat.office()
    contract = await contrat.active()
    suspended = await contrat.stub.SuspendContract(
        pb.SuspendContractRequest(id=contract.id, effective_date=d("2026-03-10"), reason="impayés"),
        metadata=office,
    )
    assert suspended.status == pb.CONTRACT_STATUS_SUSPENDED
    assert (as_date(suspended.suspended_from).isoformat(), suspended.suspension_reason) == (
        "2026-03-10",
        "impayés",
    )
    again = await rpc_error(
        contrat.stub.SuspendContract(
            pb.SuspendContractRequest(id=contract.id, effective_date=d("2026-03-11"), reason="x"),
            metadata=office,
        )
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    early = await rpc_error(
        contrat.stub.ResumeContract(
            pb.ResumeContractRequest(id=contract.id, effective_date=d("2026-03-10")),
            metadata=office,
        )
    )
    assert early.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(early.trailing_metadata()) == {"effective_date": "too early"}
    resumed = await contrat.stub.ResumeContract(
        pb.ResumeContractRequest(id=contract.id, effective_date=d("2026-03-20")), metadata=office
    )
    assert resumed.status == pb.CONTRACT_STATUS_ACTIVE
    not_suspended = await rpc_error(
        contrat.stub.ResumeContract(
            pb.ResumeContractRequest(id=contract.id, effective_date=d("2026-03-25")),
            metadata=office,
        )
    )
    assert not_suspended.code() == grpc.StatusCode.FAILED_PRECONDITION
    no_reason = await rpc_error(
        contrat.stub.TerminateContract(
            pb.TerminateContractRequest(id=contract.id, effective_date=d("2026-06-15")),
            metadata=office,
        )
    )
    assert field_violations(no_reason.trailing_metadata()) == {"reason": "required"}
    before_start = await rpc_error(
        contrat.stub.TerminateContract(
            pb.TerminateContractRequest(id=contract.id, effective_date=d("2025-12-31"), reason="x"),
            metadata=office,
        )
    )
    assert before_start.code() == grpc.StatusCode.INVALID_ARGUMENT
    terminated = await contrat.stub.TerminateContract(
        pb.TerminateContractRequest(
            id=contract.id, effective_date=d("2026-06-15"), reason="vente de la maison"
        ),
        metadata=office,
    )
    assert terminated.status == pb.CONTRACT_STATUS_TERMINATED
    assert as_date(terminated.termination_date).isoformat() == "2026-06-15"
    for call in (
        contrat.stub.TerminateContract(
            pb.TerminateContractRequest(id=contract.id, effective_date=d("2026-06-16"), reason="x"),
            metadata=office,
        ),
        contrat.stub.SuspendContract(
            pb.SuspendContractRequest(id=contract.id, effective_date=d("2026-06-16"), reason="x"),
            metadata=office,
        ),
        contrat.stub.RenewContract(pb.RenewContractRequest(id=contract.id), metadata=office),
        contrat.stub.UpdateContract(
            pb.UpdateContractRequest(
                id=contract.id,
                contract=contract_input(contract.customer_id, list(contract.site_ids)),
            ),
            metadata=office,
        ),
        contrat.stub.DeleteContract(pb.DeleteContractRequest(id=contract.id), metadata=office),
    ):
        assert (await rpc_error(call)).code() == grpc.StatusCode.FAILED_PRECONDITION
    events = await contrat.events(contract.id)
    assert [(e["type"], e.get("effective_date"), e.get("reason")) for e in events] == [
        ("contrat.contract.activated", "2026-01-01", None),
        ("contrat.contract.suspended", "2026-03-10", "impayés"),
        ("contrat.contract.resumed", "2026-03-20", "impayés"),
        ("contrat.contract.terminated", "2026-06-15", "vente de la maison"),
    ]
    assert events[-1]["status"] == "terminated"


async def test_draft_cannot_be_suspended_or_terminated_but_can_be_edited_and_deleted(
    contrat: Contrat,
) -> None:
    office = await contrat.office()
    draft = await contrat.draft()
    for call in (
        contrat.stub.SuspendContract(
            pb.SuspendContractRequest(id=draft.id, effective_date=d("2026-02-01"), reason="x"),
            metadata=office,
        ),
        contrat.stub.TerminateContract(
            pb.TerminateContractRequest(id=draft.id, effective_date=d("2026-02-01"), reason="x"),
            metadata=office,
        ),
        contrat.stub.RenewContract(pb.RenewContractRequest(id=draft.id), metadata=office),
    ):
        assert (await rpc_error(call)).code() == grpc.StatusCode.FAILED_PRECONDITION
    updated = await contrat.stub.UpdateContract(
        pb.UpdateContractRequest(
            id=draft.id,
            contract=contract_input(
                draft.customer_id,
                list(draft.site_ids),
                lines=[line(5000), line(2500, product_code="ANA")],
            ),
        ),
        metadata=office,
    )
    assert [(x.product_code, x.unit_price.amount_cents) for x in updated.lines] == [
        ("ENT-PISC", 5000),
        ("ANA", 2500),
    ]
    await contrat.stub.DeleteContract(pb.DeleteContractRequest(id=draft.id), metadata=office)
    assert (
        await rpc_error(
            contrat.stub.GetContract(pb.GetContractRequest(id=draft.id), metadata=office)
        )
    ).code() == grpc.StatusCode.NOT_FOUND
    assert await contrat.events(draft.id) == []


async def test_invalid_contract_input_names_the_fields(contrat: Contrat) -> None:
    office = await contrat.office()
    customer = await contrat.customer()
    site = await contrat.site(customer.id)
    error = await rpc_error(
        contrat.stub.CreateContract(
            pb.CreateContractRequest(
                contract=contract_input(
                    customer.id,
                    [site.id],
                    lines=[line(-100), line(1000, vat_rate="19.6")],
                    end_date=d("2025-12-31"),
                )
            ),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.trailing_metadata()) == {
        "end_date": "must not be before the start date",
        "lines.0.unit_price": "must not be negative",
        "lines.1.vat_rate": "unknown VAT rate: use 20, 10, 5.5, 2.1 or 0",
    }
    assert await contrat.scalar("SELECT count(*) FROM contrat.contracts") == 0


async def test_renewal_explicit_and_tacit_term_ends(contrat: Contrat) -> None:
    office = await contrat.office()
    tacit = await contrat.active(
        end_date=d("2026-12-31"), tacit_renewal=True, notice_period_days=30
    )
    assert as_date(tacit.renewal_deadline).isoformat() == "2026-12-01"
    fixed = await contrat.active(end_date=d("2026-12-15"))
    open_ended = await contrat.active()
    refused = await rpc_error(
        contrat.stub.RenewContract(pb.RenewContractRequest(id=open_ended.id), metadata=office)
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    backwards = await rpc_error(
        contrat.stub.RenewContract(
            pb.RenewContractRequest(id=fixed.id, new_end_date=d("2026-11-30")), metadata=office
        )
    )
    assert field_violations(backwards.trailing_metadata()) == {
        "new_end_date": "not after the current end"
    }

    result = await contrat.stub.ProcessTermEnds(
        pb.ProcessTermEndsRequest(on_date=d("2027-01-01")), metadata=office
    )
    assert list(result.renewed_contract_ids) == [tacit.id]
    assert list(result.terminated_contract_ids) == [fixed.id]
    renewed = await contrat.stub.GetContract(pb.GetContractRequest(id=tacit.id), metadata=office)
    assert as_date(renewed.end_date).isoformat() == "2027-12-31"
    ended = await contrat.stub.GetContract(pb.GetContractRequest(id=fixed.id), metadata=office)
    assert (ended.status, as_date(ended.termination_date).isoformat()) == (
        pb.CONTRACT_STATUS_TERMINATED,
        "2026-12-15",
    )
    again = await contrat.stub.ProcessTermEnds(
        pb.ProcessTermEndsRequest(on_date=d("2027-01-01")), metadata=office
    )
    assert list(again.renewed_contract_ids) == list(again.terminated_contract_ids) == []

    explicit = await contrat.stub.RenewContract(
        pb.RenewContractRequest(id=tacit.id, new_end_date=d("2028-06-30")), metadata=office
    )
    assert as_date(explicit.end_date).isoformat() == "2028-06-30"
    renewals = [
        e for e in await contrat.events(tacit.id) if e["type"] == "contrat.contract.renewed"
    ]
    assert [
        (e["kind"], e["previous_end_date"], e["end_date"], e["renewal_notice_sent"])
        for e in renewals
    ] == [
        ("tacit", "2026-12-31", "2027-12-31", False),
        ("explicit", "2027-12-31", "2028-06-30", False),
    ]


async def test_a_failure_after_the_change_rolls_back_change_and_event(contrat: Contrat) -> None:
    """The outbox row is written in the activating transaction: when anything fails after it
    (here a trigger raising once the event row is in), neither the status, nor the number,
    nor the event survive."""
    office = await contrat.office()
    draft = await contrat.draft()
    await contrat.connection.execute(
        text(
            "CREATE FUNCTION contrat.fail_after_event() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'storage failure after the event'; END $$"
        )
    )
    await contrat.connection.execute(
        text(
            "CREATE TRIGGER fail_after_event AFTER INSERT ON contrat.outbox "
            "FOR EACH ROW EXECUTE FUNCTION contrat.fail_after_event()"
        )
    )
    error = await rpc_error(
        contrat.stub.ActivateContract(pb.ActivateContractRequest(id=draft.id), metadata=office)
    )
    assert error.code() == grpc.StatusCode.INTERNAL
    after = await contrat.stub.GetContract(pb.GetContractRequest(id=draft.id), metadata=office)
    assert (after.status, after.number) == (pb.CONTRACT_STATUS_DRAFT, "")
    assert await contrat.events(draft.id) == []
    assert (
        await contrat.scalar("SELECT count(*) FROM contrat.counters WHERE name LIKE 'contract-%'")
        == 0
    )

    await contrat.connection.execute(text("DROP TRIGGER fail_after_event ON contrat.outbox"))
    activated = await contrat.stub.ActivateContract(
        pb.ActivateContractRequest(id=draft.id), metadata=office
    )
    assert activated.number == f"CT-{YEAR}-00001"
    assert [e["type"] for e in await contrat.events(draft.id)] == ["contrat.contract.activated"]


async def test_activation_day_and_number_follow_the_clock(contrat: Contrat) -> None:
    office = await contrat.office()
    fixed_term = await contrat.draft(end_date=d("2026-12-15"))
    first = await contrat.active()
    assert (first.number, as_date(first.activation_date).isoformat()) == (
        "CT-2026-00001",
        "2026-07-15",
    )
    # New Year's Eve, 23:30 in Paris: still 2026 there, and the fixed term is not over.
    contrat.clock.set(paris(2026, 12, 31, 23, 30))
    assert (await contrat.active()).number == "CT-2026-00002"
    # One hour later it is 2027 in Paris (still 2026 in UTC): numbering starts again, and a
    # fixed term that ended in December can no longer be activated.
    contrat.clock.advance(hours=1)
    new_year = await contrat.active()
    assert (new_year.number, as_date(new_year.activation_date).isoformat()) == (
        "CT-2027-00001",
        "2027-01-01",
    )
    ended = await rpc_error(
        contrat.stub.ActivateContract(pb.ActivateContractRequest(id=fixed_term.id), metadata=office)
    )
    assert ended.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert ended.details() == "the contract term has already ended"


async def test_term_ends_are_processed_on_the_paris_day_of_the_clock(contrat: Contrat) -> None:
    office = await contrat.office()
    fixed = await contrat.active(end_date=d("2026-12-31"))
    contrat.clock.set(paris(2026, 12, 31, 23, 30))
    today = await contrat.stub.ProcessTermEnds(pb.ProcessTermEndsRequest(), metadata=office)
    assert list(today.terminated_contract_ids) == []
    contrat.clock.advance(hours=1)
    tomorrow = await contrat.stub.ProcessTermEnds(pb.ProcessTermEndsRequest(), metadata=office)
    assert list(tomorrow.terminated_contract_ids) == [fixed.id]
