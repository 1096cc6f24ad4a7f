"""The health logbook of collective pools through real intervention and contrat servers: an
out-of-limit reading flagged with one alert event, the site's own staff writing only for their
customer's sites, the month's exports (every reading in time order, formulas neutralised, the
PDF an inspector reads) and the days short of the two daily readings."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.clock import paris
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from pypdf import PdfReader

from .conftest import Field, as_date, ts

# A compliant reading of a non-stabilised chlorinated pool (arrêté of 26 May 2021).
GOOD = {
    "free_chlorine_mg_l": 1.0,
    "total_chlorine_mg_l": 1.3,
    "ph": 7.2,
    "temperature_c": 26.0,
    "transparent": True,
    "attendance": 40,
    "water_added_m3": 2.5,
}


async def collective_pool(f: Field, *, collective: bool = True) -> tuple[cpb.Site, str]:
    """A customer's site with one basin whose water profile is collective."""
    _, site = await f.contract(customer_name="Camping Les Flots Bleus")
    created = await f.contrat.CreateInstallation(
        cpb.CreateInstallationRequest(
            site_id=site.id,
            installation=cpb.InstallationInput(
                type=cpb.INSTALLATION_TYPE_POOL, name="Grand bassin", volume_m3=300
            ),
        ),
        metadata=await f.office(),
    )
    await f.stub.SetWaterProfile(
        pb.SetWaterProfileRequest(
            installation_id=created.id,
            profile=pb.WaterProfileInput(
                sanitiser=pb.SANITISER_SYSTEM_CHLORINE, volume_m3=300, collective=collective
            ),
        ),
        metadata=await f.office(),
    )
    return site, created.id


def entry(installation_id: str, at: datetime, **changes: object) -> pb.AddLogbookEntryRequest:
    values = {**GOOD, **changes}
    return pb.AddLogbookEntryRequest(
        installation_id=installation_id,
        entry=pb.LogbookEntryInput(taken_at=ts(at), **values),  # type: ignore[arg-type]
    )


def month(site_id: str) -> pb.GetLogbookMonthRequest:
    return pb.GetLogbookMonthRequest(site_id=site_id, year=2026, month=7)


async def test_an_out_of_limit_reading_is_flagged_and_raises_one_alert(
    field_services: Field,
) -> None:
    f = field_services
    site, basin = await collective_pool(f)
    staff = await f.as_role("client", site.customer_id)
    good = await f.stub.AddLogbookEntry(entry(basin, paris(2026, 7, 15, 9, 0)), metadata=staff)
    assert list(good.breaches) == []
    assert good.combined_chlorine_mg_l == 0.3
    assert good.entered_by_role == "client"
    bad = await f.stub.AddLogbookEntry(
        entry(basin, paris(2026, 7, 15, 14, 0), ph=8.1, total_chlorine_mg_l=1.9),
        metadata=staff,
    )
    assert list(bad.breaches) == [
        "pH 8,1 hors limite (6,9 à 7,7)",
        "Chlore combiné 0,9 mg/L hors limite (≤ 0,6)",
    ]
    alerts = [e for e in await f.events("intervention.logbook_alert") if e["site_id"] == site.id]
    assert len(alerts) == 1
    assert alerts[0]["entry_id"] == bad.id
    assert alerts[0]["customer_id"] == site.customer_id
    assert alerts[0]["breaches"] == list(bad.breaches)
    assert alerts[0]["taken_at_local"] == "15/07/2026 14:00"
    cloudy = await f.stub.AddLogbookEntry(
        entry(basin, paris(2026, 7, 15, 14, 30), transparent=False), metadata=await f.office()
    )
    assert list(cloudy.breaches) == ["Transparence insuffisante (fond du bassin non visible)"]
    assert cloudy.entered_by_role == "bureau"
    assert (
        len([e for e in await f.events("intervention.logbook_alert") if e["site_id"] == site.id])
        == 2
    )


async def test_the_site_staff_write_only_for_their_own_customer_sites(
    field_services: Field,
) -> None:
    f = field_services
    site, basin = await collective_pool(f)
    other_site, _ = await collective_pool(f)
    stranger = await f.as_role("client", other_site.customer_id)
    error = await rpc_error(
        f.stub.AddLogbookEntry(entry(basin, paris(2026, 7, 15, 9, 0)), metadata=stranger)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = await rpc_error(f.stub.GetLogbookMonth(month(site.id), metadata=stranger))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    own = await f.as_role("client", site.customer_id)
    await f.stub.AddLogbookEntry(entry(basin, paris(2026, 7, 15, 9, 0)), metadata=own)
    seen = await f.stub.GetLogbookMonth(month(site.id), metadata=own)
    assert [len(b.entries) for b in seen.basins] == [1]
    _, tech_md = await f.technician()
    added = await f.stub.AddLogbookEntry(entry(basin, paris(2026, 7, 15, 10, 0)), metadata=tech_md)
    assert added.entered_by_role == "technicien"


async def test_only_a_collective_basin_has_a_logbook_and_bad_values_are_refused(
    field_services: Field,
) -> None:
    f = field_services
    _, private = await collective_pool(f, collective=False)
    error = await rpc_error(
        f.stub.AddLogbookEntry(entry(private, paris(2026, 7, 15, 9, 0)), metadata=await f.office())
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    _, basin = await collective_pool(f)
    error = await rpc_error(
        f.stub.AddLogbookEntry(
            entry(basin, paris(2026, 7, 15, 9, 0), ph=15.0, total_chlorine_mg_l=0.5),
            metadata=await f.office(),
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error.trailing_metadata())) == {
        "entry.ph",
        "entry.total_chlorine_mg_l",
    }


async def test_the_month_exports_every_reading_in_time_order_with_formulas_neutralised(
    field_services: Field,
) -> None:
    f = field_services
    site, basin = await collective_pool(f)
    office = await f.office()
    # Entered out of order, as a phone that was offline would send them.
    times = [
        paris(2026, 7, 3, 18, 0),
        paris(2026, 7, 1, 9, 0),
        paris(2026, 7, 3, 8, 30),
        paris(2026, 7, 1, 19, 15),
    ]
    for index, at in enumerate(times):
        await f.stub.AddLogbookEntry(
            entry(
                basin, at, incident='=HYPERLINK("http://x")' if index == 0 else "", attendance=index
            ),
            metadata=office,
        )
    # Another month's reading stays out of July's export.
    await f.stub.AddLogbookEntry(entry(basin, paris(2026, 6, 30, 20, 0)), metadata=office)
    exported = await f.stub.ExportLogbookCsv(month(site.id), metadata=office)
    assert exported.content_type.startswith("text/csv")
    text_value = exported.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text_value), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert header[:5] == ["Site", "Mois", "Bassin", "Date", "Heure"]
    assert "Chlore libre (mg/L) [0,4 à 1,4]" in header
    assert "pH [6,9 à 7,7]" in header
    assert "Chlore combiné (mg/L) [≤ 0,6]" in header
    assert [(r[3], r[4]) for r in lines] == [
        ("01/07/2026", "09:00"),
        ("01/07/2026", "19:15"),
        ("03/07/2026", "08:30"),
        ("03/07/2026", "18:00"),
    ]
    assert {(r[0], r[1], r[2]) for r in lines} == {
        ("Villa Les Pins", "juillet 2026", "Grand bassin")
    }
    incident = header.index("Incident")
    assert lines[3][incident] == '\'=HYPERLINK("http://x")'
    pdf = await f.stub.ExportLogbookPdf(month(site.id), metadata=office)
    assert pdf.content_type == "application/pdf"
    text_pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Carnet sanitaire" in text_pdf
    assert "Grand bassin" in text_pdf
    assert "juillet 2026" in text_pdf
    positions = [text_pdf.index(stamp) for stamp in ("19:15", "08:30", "18:00")]
    assert positions == sorted(positions)


async def test_days_with_fewer_than_two_readings_are_reported(field_services: Field) -> None:
    f = field_services
    site, basin = await collective_pool(f)
    office = await f.office()
    # The services' day is Wednesday 15 July 2026, 15:00 in Paris.
    for at in (
        paris(2026, 7, 14, 0, 30),
        paris(2026, 7, 14, 23, 30),
        paris(2026, 7, 15, 9, 0),
        paris(2026, 7, 13, 10, 0),
    ):
        await f.stub.AddLogbookEntry(entry(basin, at), metadata=office)
    seen = await f.stub.GetLogbookMonth(month(site.id), metadata=office)
    (only,) = seen.basins
    assert only.name == "Grand bassin"
    assert [e.taken_at.ToDatetime() for e in only.entries] == sorted(
        e.taken_at.ToDatetime() for e in only.entries
    )
    short = {as_date(s.date).day: s.readings for s in only.short_days}
    # 1-12 without any reading, the 13th and today with one; the 14th has its two (both Paris
    # days, whatever UTC says); the days still to come are not counted.
    assert short == {**{day: 0 for day in range(1, 13)}, 13: 1, 15: 1}
    assert {lim.label for lim in only.limits} >= {"pH", "Chlore libre", "Chlore combiné"}
