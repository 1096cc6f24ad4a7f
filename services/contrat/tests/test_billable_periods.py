"""Billable periods against amounts computed by hand.

Rule: amount = quantity x unit price x days billed / days in the calendar period, rounded half
up to the cent, one item per line, period and price.
"""

from __future__ import annotations

from typing import Any

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_contrat.billing import prorated_amount
from aquaerp_runtime.clock import paris
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import SIREN, VAT_NUMBER, Contrat, as_date, d, eur, line


async def periods(
    contrat: Contrat, contract_id: str, up_to: str, from_date: str = ""
) -> list[tuple[Any, ...]]:
    request = pb.ListBillablePeriodsRequest(contract_id=contract_id, up_to=d(up_to))
    if from_date:
        request.from_date.CopyFrom(d(from_date))
    response = await contrat.stub.ListBillablePeriods(
        request, metadata=await contrat.as_role("compta")
    )
    return [
        (
            as_date(p.start).isoformat(),
            as_date(p.end).isoformat(),
            p.unit_price.amount_cents,
            p.amount.amount_cents,
        )
        for c in response.contracts
        for p in c.periods
    ]


def test_rounding_is_half_up_to_the_cent() -> None:
    assert prorated_amount(1000, 45, 1, 90) == 1  # 0.5 cent -> 1
    assert prorated_amount(1000, 44, 1, 90) == 0  # 0.49 cent -> 0
    assert (
        prorated_amount(2500, 10000, 31, 31) == 25000
    )  # a whole period is exactly quantity x price


async def test_monthly_in_advance_first_period_prorated(contrat: Contrat) -> None:
    contract = await contrat.active(start_date=d("2026-01-15"))
    response = await contrat.stub.ListBillablePeriods(
        pb.ListBillablePeriodsRequest(contract_id=contract.id, up_to=d("2026-03-01")),
        metadata=await contrat.office(),
    )
    [billables] = response.contracts
    assert billables.contract_number == contract.number
    assert (
        billables.customer.siren,
        billables.customer.vat_number,
        billables.customer.legal_form,
    ) == (SIREN, VAT_NUMBER, "SAS")
    assert billables.customer.billing_email == "compta@flamants.example"
    assert billables.payment_terms == pb.PaymentTerms(days=30)
    first = billables.periods[0]
    # 17 of January's 31 days: 100.00 x 17 / 31 = 54.8387 -> 54.84
    assert (first.days, first.period_days, first.prorated, first.amount.amount_cents) == (
        17,
        31,
        True,
        5484,
    )
    assert (as_date(first.period_start).isoformat(), as_date(first.due_date).isoformat()) == (
        "2026-01-01",
        "2026-01-15",
    )
    assert (first.vat_rate, first.quantity, first.product_code) == ("20.0", "1", "ENT-PISC")
    assert first.key == f"{contract.lines[0].id}/2026-01-01/2026-01-15"
    assert await periods(contrat, contract.id, "2026-03-01") == [
        ("2026-01-15", "2026-01-31", 10000, 5484),
        ("2026-02-01", "2026-02-28", 10000, 10000),
        ("2026-03-01", "2026-03-31", 10000, 10000),
    ]


async def test_monthly_in_arrears_is_due_at_the_end_of_the_period(contrat: Contrat) -> None:
    contract = await contrat.active(
        start_date=d("2026-01-15"), billing_timing=pb.BILLING_TIMING_IN_ARREARS
    )
    assert await periods(contrat, contract.id, "2026-03-01") == [
        ("2026-01-15", "2026-01-31", 10000, 5484),
        ("2026-02-01", "2026-02-28", 10000, 10000),
    ]
    assert await periods(contrat, contract.id, "2026-03-31", from_date="2026-03-01") == [
        ("2026-03-01", "2026-03-31", 10000, 10000),
    ]


async def test_quarterly_in_advance_with_a_quantity(contrat: Contrat) -> None:
    contract = await contrat.active(
        start_date=d("2026-02-01"),
        billing_frequency=pb.BILLING_FREQUENCY_QUARTERLY,
        lines=[line(4500, quantity="2")],
    )
    # Q1 has 90 days; 59 billed (1 Feb - 31 Mar): 2 x 45.00 x 59 / 90 = 59.00
    assert await periods(contrat, contract.id, "2026-04-01") == [
        ("2026-02-01", "2026-03-31", 4500, 5900),
        ("2026-04-01", "2026-06-30", 4500, 9000),
    ]


async def test_yearly_in_arrears(contrat: Contrat) -> None:
    contract = await contrat.active(
        start_date=d("2025-07-01"),
        billing_frequency=pb.BILLING_FREQUENCY_YEARLY,
        billing_timing=pb.BILLING_TIMING_IN_ARREARS,
        lines=[line(120000)],
    )
    # 184 of 2025's 365 days: 1200.00 x 184 / 365 = 604.9315 -> 604.93
    assert await periods(contrat, contract.id, "2026-06-30") == [
        ("2025-07-01", "2025-12-31", 120000, 60493)
    ]


async def test_price_change_in_the_middle_of_a_period(contrat: Contrat) -> None:
    contract = await contrat.active()
    changed = await contrat.stub.ChangePrices(
        pb.ChangePricesRequest(
            id=contract.id,
            effective_date=d("2026-03-15"),
            prices=[pb.LinePrice(line_id=contract.lines[0].id, unit_price=eur(12000))],
            reason="nouveau tarif",
        ),
        metadata=await contrat.office(),
    )
    assert [
        (as_date(p.effective_date).isoformat(), p.unit_price.amount_cents, p.reason)
        for p in changed.lines[0].price_history
    ] == [
        ("2026-01-01", 10000, "initial"),
        ("2026-03-15", 12000, "change"),
    ]
    # March: 14 days at 100.00 (45.16) and 17 days at 120.00 (65.81) of 31
    assert await periods(contrat, contract.id, "2026-03-01", from_date="2026-02-01") == [
        ("2026-02-01", "2026-02-28", 10000, 10000),
        ("2026-03-01", "2026-03-14", 10000, 4516),
        ("2026-03-15", "2026-03-31", 12000, 6581),
    ]
    [event] = [
        e
        for e in await contrat.events(contract.id)
        if e["type"] == "contrat.contract.price_changed"
    ]
    assert event["effective_date"] == "2026-03-15"
    assert event["lines"] == [
        {
            "line_id": contract.lines[0].id,
            "previous_unit_price_cents": 10000,
            "unit_price_cents": 12000,
        }
    ]
    negative = await rpc_error(
        contrat.stub.ChangePrices(
            pb.ChangePricesRequest(
                id=contract.id,
                effective_date=d("2026-04-01"),
                prices=[pb.LinePrice(line_id=contract.lines[0].id, unit_price=eur(-1))],
            ),
            metadata=await contrat.office(),
        )
    )
    assert negative.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_percentage_indexation_on_the_anniversary(contrat: Contrat) -> None:
    office = await contrat.office()
    contract = await contrat.active(
        start_date=d("2025-03-15"),
        indexation=pb.Indexation(method=pb.INDEXATION_METHOD_PERCENTAGE, percentage="2.5"),
    )
    not_anniversary = await rpc_error(
        contrat.stub.ApplyIndexation(
            pb.ApplyIndexationRequest(id=contract.id, anniversary=d("2026-03-16")), metadata=office
        )
    )
    assert not_anniversary.code() == grpc.StatusCode.INVALID_ARGUMENT
    result = await contrat.stub.ApplyDueIndexations(
        pb.ApplyDueIndexationsRequest(on_date=d("2026-03-20")), metadata=office
    )
    assert list(result.indexed_contract_ids) == [contract.id]
    again = await contrat.stub.ApplyDueIndexations(
        pb.ApplyDueIndexationsRequest(on_date=d("2026-03-20")), metadata=office
    )
    assert list(again.indexed_contract_ids) == []
    indexed = await contrat.stub.GetContract(pb.GetContractRequest(id=contract.id), metadata=office)
    [record] = indexed.indexation_history
    assert (as_date(record.effective_date).isoformat(), record.factor) == ("2026-03-15", "1.025")
    # 100.00 x 1.025 = 102.50 from 15 March: 14 days at 100.00 (45.16), 17 at 102.50 (56.21)
    assert await periods(contrat, contract.id, "2026-03-01", from_date="2026-03-01") == [
        ("2026-03-01", "2026-03-14", 10000, 4516),
        ("2026-03-15", "2026-03-31", 10250, 5621),
    ]
    twice = await rpc_error(
        contrat.stub.ApplyIndexation(
            pb.ApplyIndexationRequest(id=contract.id, anniversary=d("2026-03-15")), metadata=office
        )
    )
    assert twice.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_index_value_indexation(contrat: Contrat) -> None:
    office = await contrat.office()
    contract = await contrat.active(
        start_date=d("2025-01-01"),
        lines=[line(10000), line(3333, product_code="ANA")],
        indexation=pb.Indexation(
            method=pb.INDEXATION_METHOD_INDEX, index_name="ICHTrev-TS", base_index_value="125.0"
        ),
    )
    skipped = await contrat.stub.ApplyDueIndexations(
        pb.ApplyDueIndexationsRequest(on_date=d("2026-01-05")), metadata=office
    )
    assert list(skipped.skipped_contract_ids) == [contract.id]
    indexed = await contrat.stub.ApplyIndexation(
        pb.ApplyIndexationRequest(id=contract.id, anniversary=d("2026-01-01"), index_value="130.0"),
        metadata=office,
    )
    # factor 130 / 125 = 1.04: 100.00 -> 104.00; 33.33 -> 34.6632 -> 34.66
    assert [
        price_line.price_history[-1].unit_price.amount_cents for price_line in indexed.lines
    ] == [10400, 3466]
    assert indexed.indexation.reference_index_value == "130.0000"
    assert indexed.indexation_history[0].previous_index_value == "125.0000"


async def test_termination_in_the_middle_of_a_period(contrat: Contrat) -> None:
    contract = await contrat.active(billing_timing=pb.BILLING_TIMING_IN_ARREARS, lines=[line(9000)])
    await contrat.stub.TerminateContract(
        pb.TerminateContractRequest(
            id=contract.id, effective_date=d("2026-02-10"), reason="déménagement"
        ),
        metadata=await contrat.office(),
    )
    # 10 of February's 28 days: 90.00 x 10 / 28 = 32.1428 -> 32.14, due on the last day
    assert await periods(contrat, contract.id, "2026-12-31") == [
        ("2026-01-01", "2026-01-31", 9000, 9000),
        ("2026-02-01", "2026-02-10", 9000, 3214),
    ]


async def test_suspended_days_are_not_billed(contrat: Contrat) -> None:
    office = await contrat.office()
    contract = await contrat.active(lines=[line(3100)])
    await contrat.stub.SuspendContract(
        pb.SuspendContractRequest(id=contract.id, effective_date=d("2026-01-11"), reason="travaux"),
        metadata=office,
    )
    await contrat.stub.ResumeContract(
        pb.ResumeContractRequest(id=contract.id, effective_date=d("2026-01-21")), metadata=office
    )
    assert await periods(contrat, contract.id, "2026-01-31") == [
        ("2026-01-01", "2026-01-10", 3100, 1000),
        ("2026-01-21", "2026-01-31", 3100, 1100),
    ]


async def test_all_contracts_page_by_page_and_drafts_excluded(contrat: Contrat) -> None:
    ids = {(await contrat.active()).id for _ in range(3)}
    await contrat.draft()
    seen: list[str] = []
    token = ""
    while True:
        response = await contrat.stub.ListBillablePeriods(
            pb.ListBillablePeriodsRequest(
                up_to=d("2026-01-31"),
                from_date=d("2026-01-01"),
                page=common_pb2.PageRequest(page_size=2, page_token=token),
            ),
            metadata=await contrat.as_role("compta"),
        )
        seen += [c.contract_id for c in response.contracts]
        assert all(
            len(c.periods) == 1 and c.periods[0].amount.amount_cents == 10000
            for c in response.contracts
        )
        token = response.page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(ids)
    denied = await rpc_error(
        contrat.stub.ListBillablePeriods(
            pb.ListBillablePeriodsRequest(up_to=d("2026-01-31")),
            metadata=await contrat.as_role("technicien"),
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_contract_shows_the_price_in_force_on_the_clock_day(contrat: Contrat) -> None:
    office = await contrat.office()
    contract = await contrat.active()
    await contrat.stub.ChangePrices(
        pb.ChangePricesRequest(
            id=contract.id,
            effective_date=d("2026-09-01"),
            prices=[pb.LinePrice(line_id=contract.lines[0].id, unit_price=eur(12000))],
            reason="tarif de rentrée",
        ),
        metadata=office,
    )

    async def current_price() -> int:
        found = await contrat.stub.GetContract(
            pb.GetContractRequest(id=contract.id), metadata=office
        )
        return found.lines[0].unit_price.amount_cents

    assert await current_price() == 10000
    contrat.clock.set(paris(2026, 8, 31, 23, 59))
    assert await current_price() == 10000
    contrat.clock.advance(minutes=1)
    assert await current_price() == 12000
