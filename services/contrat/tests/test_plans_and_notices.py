"""Maintenance plan occurrences (RRULE, seasons, Europe/Paris time windows) and the L215-1
renewal-notice window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Contrat, as_date, business_input, d, private_input


def pool_plan(site_id: str, **changes: Any) -> pb.MaintenancePlan:
    values: dict[str, Any] = {
        "site_id": site_id,
        "label": "Entretien piscine",
        "description": "Ligne d'eau, skimmers, analyse",
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=5",
        "seasons": [
            pb.Season(
                name="Été",
                start_month_day="06-01",
                end_month_day="09-30",
                rrule="FREQ=WEEKLY;BYDAY=TU",
            ),
            # Spring and autumn follow the plan's own rule; no season covers the winter.
            pb.Season(name="Printemps", start_month_day="03-01", end_month_day="05-31"),
            pb.Season(name="Automne", start_month_day="10-01", end_month_day="11-30"),
        ],
        "time_window": pb.TimeWindow(start="08:00", end="10:00"),
        "duration_minutes": 60,
        "required_skill": "piscine",
    }
    values.update(changes)
    return pb.MaintenancePlan(**values)


async def occurrences(
    contrat: Contrat, contract_id: str, first: str, last: str
) -> list[pb.PlanOccurrence]:
    response = await contrat.stub.ListPlanOccurrences(
        pb.ListPlanOccurrencesRequest(contract_id=contract_id, from_date=d(first), to_date=d(last)),
        metadata=await contrat.office(),
    )
    return list(response.occurrences)


async def test_weekly_in_summer_monthly_otherwise_none_in_winter(contrat: Contrat) -> None:
    draft = await contrat.draft()
    site_id = draft.site_ids[0]
    contract = await contrat.stub.SetMaintenancePlans(
        pb.SetMaintenancePlansRequest(id=draft.id, plans=[pool_plan(site_id)]),
        metadata=await contrat.office(),
    )
    await contrat.stub.ActivateContract(
        pb.ActivateContractRequest(id=draft.id), metadata=await contrat.office()
    )
    found = await occurrences(contrat, contract.id, "2026-05-01", "2026-11-30")
    days = [as_date(o.date).isoformat() for o in found]
    tuesdays = [
        "2026-06-02", "2026-06-09", "2026-06-16", "2026-06-23", "2026-06-30",
        "2026-07-07", "2026-07-14", "2026-07-21", "2026-07-28",
        "2026-08-04", "2026-08-11", "2026-08-18", "2026-08-25",
        "2026-09-01", "2026-09-08", "2026-09-15", "2026-09-22", "2026-09-29",
    ]  # fmt: skip
    assert days == ["2026-05-05", *tuesdays, "2026-10-05", "2026-11-05"]
    assert [o.season for o in found[:2]] == ["Printemps", "Été"]
    assert found[-1].season == "Automne"
    assert await occurrences(contrat, contract.id, "2026-12-01", "2027-02-28") == []
    first = found[0]
    assert (
        first.contract_number,
        first.site_id,
        first.duration_minutes,
        first.required_skill,
        first.sla_hours,
    ) == (contract.number or first.contract_number, site_id, 60, "piscine", 24)
    # 08:00 in Paris is 06:00 UTC in summer time, 07:00 UTC in winter time.
    assert first.window_start_time.ToDatetime(tzinfo=UTC) == datetime(2026, 5, 5, 6, 0, tzinfo=UTC)
    assert found[-1].window_start_time.ToDatetime(tzinfo=UTC) == datetime(
        2026, 11, 5, 7, 0, tzinfo=UTC
    )
    assert found[-1].window_end_time.ToDatetime(tzinfo=UTC) == datetime(
        2026, 11, 5, 9, 0, tzinfo=UTC
    )
    assert (first.time_window.start, first.time_window.end) == ("08:00", "10:00")
    winter = await occurrences(contrat, contract.id, "2026-12-01", "2027-03-31")
    assert [as_date(o.date).isoformat() for o in winter] == ["2027-03-05"]


async def test_suspension_and_the_end_of_term_bound_the_visits(contrat: Contrat) -> None:
    office = await contrat.office()
    draft = await contrat.draft(end_date=d("2026-12-15"))
    await contrat.stub.SetMaintenancePlans(
        pb.SetMaintenancePlansRequest(
            id=draft.id, plans=[pool_plan(draft.site_ids[0], seasons=[])]
        ),
        metadata=office,
    )
    await contrat.stub.ActivateContract(pb.ActivateContractRequest(id=draft.id), metadata=office)
    await contrat.stub.SuspendContract(
        pb.SuspendContractRequest(id=draft.id, effective_date=d("2026-03-01"), reason="travaux"),
        metadata=office,
    )
    await contrat.stub.ResumeContract(
        pb.ResumeContractRequest(id=draft.id, effective_date=d("2026-04-06")), metadata=office
    )
    found = await occurrences(contrat, draft.id, "2026-01-01", "2026-12-31")
    assert [as_date(o.date).isoformat()[5:] for o in found] == [
        "01-05", "02-05", "05-05", "06-05", "07-05", "08-05", "09-05", "10-05", "11-05", "12-05"
    ]  # fmt: skip
    await contrat.stub.TerminateContract(
        pb.TerminateContractRequest(id=draft.id, effective_date=d("2026-12-01"), reason="fin"),
        metadata=office,
    )
    assert await occurrences(contrat, draft.id, "2026-01-01", "2026-12-31") == []


async def test_next_visit_from_the_completion_date(contrat: Contrat) -> None:
    office = await contrat.office()
    draft = await contrat.draft()
    plan = pool_plan(
        draft.site_ids[0], rrule="FREQ=WEEKLY;INTERVAL=2", seasons=[], next_from_completion=True
    )
    contract = await contrat.stub.SetMaintenancePlans(
        pb.SetMaintenancePlansRequest(id=draft.id, plans=[plan]), metadata=office
    )
    await contrat.stub.ActivateContract(pb.ActivateContractRequest(id=draft.id), metadata=office)
    plan_id = contract.plans[0].id
    # Fixed calendar: every other Thursday from Thursday 1 January.
    assert [
        as_date(o.date).isoformat()
        for o in await occurrences(contrat, draft.id, "2026-03-16", "2026-04-05")
    ] == ["2026-03-26"]
    visit = await contrat.stub.GetNextPlanOccurrence(
        pb.GetNextPlanOccurrenceRequest(plan_id=plan_id, completed_on=d("2026-03-20")),
        metadata=office,
    )
    assert as_date(visit.date).isoformat() == "2026-04-03"
    assert visit.next_from_completion


async def test_invalid_plans_are_refused_by_field(contrat: Contrat) -> None:
    draft = await contrat.draft()
    site_id = draft.site_ids[0]
    bad = [
        pool_plan(site_id, rrule="FREQ=HOURLY"),
        pool_plan(
            site_id,
            seasons=[
                pb.Season(
                    name="A", start_month_day="05-01", end_month_day="07-31", rrule="FREQ=WEEKLY"
                ),
                pb.Season(
                    name="B", start_month_day="07-01", end_month_day="09-30", rrule="FREQ=WEEKLY"
                ),
            ],
        ),
        pool_plan(site_id, time_window=pb.TimeWindow(start="10:00", end="09:00")),
        pool_plan(site_id, rrule="FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"),
    ]
    error = await rpc_error(
        contrat.stub.SetMaintenancePlans(
            pb.SetMaintenancePlansRequest(id=draft.id, plans=bad), metadata=await contrat.office()
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.trailing_metadata()) == {
        "plans.0.rrule": "FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY",
        "plans.1.seasons": "seasons 'A' and 'B' overlap on 01/07",
        "plans.2.time_window": "the end must be after the start",
        "plans.3.rrule": "no month has such a day",
    }


async def test_renewal_notice_window_between_three_and_one_month_before_the_deadline(
    contrat: Contrat,
) -> None:
    office = await contrat.office()
    terms = {
        "start_date": d("2026-04-01"),
        "end_date": d("2027-03-31"),
        "tacit_renewal": True,
        "notice_period_days": 30,
    }
    private = await contrat.active(private_input(), **terms)
    await contrat.active(business_input(), **terms)  # not a consumer
    await contrat.active(
        private_input(name="Sans Reconduction"),
        start_date=d("2026-04-01"),
        end_date=d("2027-03-31"),
    )

    async def notices(day: str, include_sent: bool = False) -> list[pb.RenewalNotice]:
        response = await contrat.stub.ListRenewalNotices(
            pb.ListRenewalNoticesRequest(on_date=d(day), include_sent=include_sent), metadata=office
        )
        return list(response.notices)

    # Deadline 1 March 2027 (31 March - 30 days): window 1 December 2026 .. 1 February 2027.
    assert await notices("2026-11-30") == []
    [notice] = await notices("2026-12-01")
    assert notice.contract_id == private.id
    assert (
        as_date(notice.renewal_deadline).isoformat(),
        as_date(notice.window_start).isoformat(),
    ) == ("2027-03-01", "2026-12-01")
    assert (as_date(notice.window_end).isoformat(), as_date(notice.term_end_date).isoformat()) == (
        "2027-02-01",
        "2027-03-31",
    )
    assert notice.billing_email == "julien.martin@example.fr"
    assert [n.contract_id for n in await notices("2027-02-01")] == [private.id]
    assert await notices("2027-02-02") == []

    wrong_term = await rpc_error(
        contrat.stub.MarkRenewalNoticeSent(
            pb.MarkRenewalNoticeSentRequest(contract_id=private.id, term_end_date=d("2028-03-31")),
            metadata=office,
        )
    )
    assert wrong_term.code() == grpc.StatusCode.FAILED_PRECONDITION
    await contrat.stub.MarkRenewalNoticeSent(
        pb.MarkRenewalNoticeSentRequest(contract_id=private.id, term_end_date=d("2027-03-31")),
        metadata=office,
    )
    assert await notices("2026-12-15") == []
    [sent] = await notices("2026-12-15", include_sent=True)
    assert sent.sent_time.ToDatetime(tzinfo=UTC) == contrat.clock.now()


async def test_daily_job_emits_the_renewal_notice_due_event_once_per_term(contrat: Contrat) -> None:
    office = await contrat.office()
    private = await contrat.active(
        private_input(name="Avis Reconduction"),
        start_date=d("2026-04-01"),
        end_date=d("2027-03-31"),
        tacit_renewal=True,
        notice_period_days=30,
    )

    async def daily(day: str) -> list[str]:
        response = await contrat.stub.ProcessTermEnds(
            pb.ProcessTermEndsRequest(on_date=d(day)), metadata=office
        )
        return list(response.renewal_notice_contract_ids)

    def due_events(events: list[dict[str, object]]) -> list[dict[str, object]]:
        return [e for e in events if e["type"] == "contrat.contract.renewal_notice_due"]

    assert private.id not in await daily("2026-11-30")  # window not open yet
    assert private.id in await daily("2026-12-01")
    assert private.id not in await daily("2026-12-02")  # once per term
    [event] = due_events(await contrat.events(private.id))
    assert event["contract_id"] == private.id and event["number"] == private.number
    assert (event["term_end_date"], event["renewal_date"], event["refusal_deadline"]) == (
        "2027-03-31",
        "2027-04-01",
        "2027-03-01",
    )
