"""The typical French pool contract: weekly visits from May to September and monthly ones from
October to April, as two plans of one site, each running during its season (the winter one
across the new year); the twelve-month preview the contract form shows, and the occurrences of
the activated contract agree."""

from __future__ import annotations

from collections import Counter

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Contrat, as_date, d


def seasonal_plans(site_id: str) -> list[pb.MaintenancePlan]:
    window = pb.TimeWindow(start="08:00", end="12:00")
    return [
        pb.MaintenancePlan(
            site_id=site_id,
            label="Entretien hebdomadaire",
            rrule="FREQ=WEEKLY;BYDAY=TU",
            seasons=[pb.Season(name="Été", start_month_day="05-01", end_month_day="09-30")],
            time_window=window,
            duration_minutes=45,
        ),
        pb.MaintenancePlan(
            site_id=site_id,
            label="Entretien mensuel",
            rrule="FREQ=MONTHLY;BYMONTHDAY=5",
            seasons=[pb.Season(name="Hiver", start_month_day="10-01", end_month_day="04-30")],
            time_window=window,
            duration_minutes=60,
        ),
    ]


async def test_weekly_only_from_may_to_september_monthly_otherwise(contrat: Contrat) -> None:
    office = await contrat.office()
    preview = await contrat.stub.PreviewPlanVisits(
        pb.PreviewPlanVisitsRequest(plans=seasonal_plans(""), start_date=d("2026-01-01")),
        metadata=office,
    )
    assert [(m.year, m.month) for m in preview.months] == [(2026, n) for n in range(1, 13)]
    weekly = Counter(m.month for m in preview.months for v in m.visits if v.plan_index == 0)
    monthly = Counter(m.month for m in preview.months for v in m.visits if v.plan_index == 1)
    # Tuesdays of 2026: 4 in May, 5 in June, 4 in July, 4 in August, 5 in September.
    assert weekly == Counter({5: 4, 6: 5, 7: 4, 8: 4, 9: 5})
    assert monthly == Counter({m: 1 for m in (1, 2, 3, 4, 10, 11, 12)})
    december = preview.months[11]
    assert december.count == 1
    assert [(as_date(v.date).isoformat(), v.plan_label, v.season) for v in december.visits] == [
        ("2026-12-05", "Entretien mensuel", "Hiver")
    ]
    assert [m.count for m in preview.months] == [1, 1, 1, 1, 4, 5, 4, 4, 5, 1, 1, 1]
    assert preview.total == 29

    # The same plans saved on a contract, activated: its occurrences are the preview's.
    draft = await contrat.draft()
    await contrat.stub.SetMaintenancePlans(
        pb.SetMaintenancePlansRequest(id=draft.id, plans=seasonal_plans(draft.site_ids[0])),
        metadata=office,
    )
    await contrat.stub.ActivateContract(pb.ActivateContractRequest(id=draft.id), metadata=office)
    listed = await contrat.stub.ListPlanOccurrences(
        pb.ListPlanOccurrencesRequest(
            contract_id=draft.id, from_date=d("2026-10-01"), to_date=d("2027-09-30")
        ),
        metadata=office,
    )
    by_month = Counter((as_date(o.date).month, o.label) for o in listed.occurrences)
    assert by_month[(12, "Entretien hebdomadaire")] == 0
    assert by_month[(12, "Entretien mensuel")] == 1
    assert by_month[(1, "Entretien mensuel")] == 1  # across the new year
    assert {month for month, label in by_month if label == "Entretien hebdomadaire"} == {
        5,
        6,
        7,
        8,
        9,
    }


async def test_preview_starts_at_the_contract_and_stops_at_its_end(contrat: Contrat) -> None:
    preview = await contrat.stub.PreviewPlanVisits(
        pb.PreviewPlanVisitsRequest(
            plans=seasonal_plans(""),
            start_date=d("2026-06-10"),
            end_date=d("2026-10-31"),
            from_date=d("2026-06-01"),
        ),
        metadata=await contrat.office(),
    )
    assert (preview.months[0].year, preview.months[0].month) == (2026, 6)
    june = [as_date(v.date).day for v in preview.months[0].visits]
    assert june == [16, 23, 30]  # not the 2nd and 9th, before the start
    assert [m.count for m in preview.months] == [3, 4, 4, 5, 1, 0, 0, 0, 0, 0, 0, 0]


async def test_preview_refuses_bad_plans_by_field(contrat: Contrat) -> None:
    plans = seasonal_plans("")
    plans[1].rrule = "FREQ=HOURLY"
    plans[0].seasons[0].start_month_day = "13-01"
    error = await rpc_error(
        contrat.stub.PreviewPlanVisits(
            pb.PreviewPlanVisitsRequest(plans=plans), metadata=await contrat.office()
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.trailing_metadata()) == {"start_date": "required"}
    error = await rpc_error(
        contrat.stub.PreviewPlanVisits(
            pb.PreviewPlanVisitsRequest(plans=plans, start_date=d("2026-01-01")),
            metadata=await contrat.office(),
        )
    )
    assert field_violations(error.trailing_metadata()) == {
        "plans.0.seasons.0.start_month_day": "a day of the year as MM-DD",
        "plans.1.rrule": "FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY",
    }
