"""Company settings of maintenance plans: season dates per region and the winterising and
spring restart templates, with their defaults, who may change them, and their checks."""

from __future__ import annotations

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Contrat, as_date, d


async def test_defaults_then_an_administrator_changes_them(contrat: Contrat) -> None:
    office = await contrat.office()
    defaults = await contrat.stub.GetPlanSettings(pb.GetPlanSettingsRequest(), metadata=office)
    assert [r.code for r in defaults.regions] == ["mediterranee", "sud-ouest", "nord"]
    winterising = {t.code: t for t in defaults.templates}["hivernage"]
    assert (winterising.window_start, winterising.window_end) == ("10-01", "11-15")
    assert winterising.duration_minutes == 120 and len(winterising.checklist) == 4

    changed = pb.PlanSettings(
        regions=[
            pb.SeasonRegion(
                code="corse", name="Corse", start_month_day="04-01", end_month_day="10-31"
            )
        ],
        templates=[
            pb.VisitTemplate(
                code="hivernage",
                label="Hivernage actif",
                checklist=["Filtration réduite", "Traitement d'hivernage"],
                duration_minutes=90,
                window_start="11-01",
                window_end="11-30",
                required_skill="piscine",
            )
        ],
    )
    error = await rpc_error(contrat.stub.UpdatePlanSettings(changed, metadata=office))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = await contrat.as_role("admin")
    saved = await contrat.stub.UpdatePlanSettings(changed, metadata=admin)
    assert saved == changed
    assert await contrat.stub.GetPlanSettings(pb.GetPlanSettingsRequest(), metadata=office) == (
        changed
    )


async def test_bad_settings_are_refused_by_field(contrat: Contrat) -> None:
    bad = pb.PlanSettings(
        regions=[
            pb.SeasonRegion(code="sud", name="Sud", start_month_day="02-30", end_month_day="10-15"),
            pb.SeasonRegion(code="sud", name="", start_month_day="04-01", end_month_day="10-15"),
        ],
        templates=[
            pb.VisitTemplate(
                code="hivernage",
                label="Hivernage",
                checklist=["  "],
                duration_minutes=1000,
                window_start="10-01",
                window_end="1115",
            )
        ],
    )
    error = await rpc_error(
        contrat.stub.UpdatePlanSettings(bad, metadata=await contrat.as_role("admin"))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.trailing_metadata()) == {
        "regions.0.start_month_day": "a day of the year as MM-DD",
        "regions.1.code": "the same code twice",
        "regions.1.name": "required",
        "templates.0.duration_minutes": "between 5 and 720 minutes",
        "templates.0.checklist.0": "required",
        "templates.0.window_end": "a day of the year as MM-DD",
    }


async def test_a_template_becomes_one_visit_a_year_in_its_window(contrat: Contrat) -> None:
    """The form turns a template into a yearly plan on its window's first day, running during
    the window: one visit each autumn, whatever else the contract has."""
    office = await contrat.office()
    settings = await contrat.stub.GetPlanSettings(pb.GetPlanSettingsRequest(), metadata=office)
    template = {t.code: t for t in settings.templates}["hivernage"]
    month, day = template.window_start.split("-")
    plan = pb.MaintenancePlan(
        label=template.label,
        description="\n".join(template.checklist),
        rrule=f"FREQ=YEARLY;BYMONTH={int(month)};BYMONTHDAY={int(day)}",
        seasons=[
            pb.Season(
                name=template.label,
                start_month_day=template.window_start,
                end_month_day=template.window_end,
            )
        ],
        duration_minutes=template.duration_minutes,
        time_window=pb.TimeWindow(start="08:00", end="17:00"),
    )
    preview = await contrat.stub.PreviewPlanVisits(
        pb.PreviewPlanVisitsRequest(plans=[plan], start_date=d("2026-03-01")), metadata=office
    )
    visits = [v for m in preview.months for v in m.visits]
    assert [as_date(v.date).isoformat() for v in visits] == ["2026-10-01"]
    assert visits[0].season == "Hivernage"
