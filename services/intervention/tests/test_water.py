"""The pool stop's water chemistry through real intervention, contrat and stock servers: the
water profile on a contrat installation, targets (company, site, installation, regulation),
readings with their flags (a photometer past its yearly calibration), the water balance, the
dose advice from the catalogue's dosing roles, the doses applied becoming van-debited parts,
and the trend of the last visits."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import grpc
import pytest
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.stock.v1 import stock_pb2 as spb
from aquaerp_intervention.local_time import local_datetime, local_day
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from pypdf import PdfReader

from .conftest import FIELD_NOW, Field, as_date, d, png, ts, weekdays
from .test_catalogue_parts import Shop, field_and_stock, started

__all__ = ["field_and_stock"]

P = pb


async def installation(f: Field, site_id: str, volume: float = 50.0, spa: bool = False) -> str:
    created = await f.contrat.CreateInstallation(
        cpb.CreateInstallationRequest(
            site_id=site_id,
            installation=cpb.InstallationInput(
                type=cpb.INSTALLATION_TYPE_SPA if spa else cpb.INSTALLATION_TYPE_POOL,
                name="Piscine principale",
                volume_m3=volume,
            ),
        ),
        metadata=await f.office(),
    )
    return created.id


async def chemicals(shop: Shop) -> dict[str, spb.Product]:
    def chem(code: str, label: str, role: int, strength: str, unit: str) -> dict[str, object]:
        return {
            "label": label,
            "dosing_role": role,
            "strength_percent": strength,
            "unit_of_sale": unit,
            "unit_of_stock": unit,
            "sale_units_per_stock_unit": "1",
        }

    return {
        "ta": await shop.product(
            "TAC-PLUS", 300, **chem("", "TAC plus", spb.DOSING_ROLE_ALKALINITY_UP, "100", "kg")
        ),
        "ph": await shop.product(
            "PH-MOINS", 400, **chem("", "pH moins", spb.DOSING_ROLE_PH_DOWN, "95", "kg")
        ),
        "chl": await shop.product(
            "CHL-LIQ", 250, **chem("", "Chlore liquide", spb.DOSING_ROLE_SANITISER, "14", "L")
        ),
    }


def reading(parameter: int, value: float, **more: object) -> pb.WaterReadingInput:
    return pb.WaterReadingInput(parameter=parameter, value=value, **more)  # type: ignore[arg-type]


def by_parameter(test: pb.WaterTest) -> dict[int, pb.WaterReading]:
    return {r.parameter: r for r in test.readings}


async def test_profile_volume_from_shape_and_targets_by_scope(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, _ = field_and_stock
    office = await f.office()
    _, site = await f.contract()
    pool = await installation(f, site.id, volume=40)
    default = await f.stub.GetWaterProfile(
        pb.GetWaterProfileRequest(installation_id=pool), metadata=office
    )
    assert default.effective_volume_m3 == 40
    # 10 m by 5 m, 1.0 to 2.0 m deep: 50 m² * 1.5 m = 75 m³.
    profile = await f.stub.SetWaterProfile(
        pb.SetWaterProfileRequest(
            installation_id=pool,
            profile=pb.WaterProfileInput(
                shape=pb.POOL_SHAPE_RECTANGLE,
                length_m=10,
                width_m=5,
                depth_min_m=1.0,
                depth_max_m=2.0,
                sanitiser=pb.SANITISER_SYSTEM_CHLORINE,
                finish=pb.POOL_FINISH_LINER,
                cover=pb.POOL_COVER_SHUTTER,
            ),
        ),
        metadata=office,
    )
    assert (profile.effective_volume_m3, profile.surface_m2, profile.site_id) == (75, 50, site.id)
    ph = {t.parameter: t for t in profile.targets}[pb.WATER_PARAMETER_PH]
    assert (ph.low, ph.high, ph.source) == (7.2, 7.6, "default")

    await f.stub.SetWaterTargets(
        pb.SetWaterTargetsRequest(
            targets=[pb.TargetRange(parameter=pb.WATER_PARAMETER_PH, low=7.0, high=7.8)]
        ),
        metadata=office,
    )
    await f.stub.SetWaterTargets(
        pb.SetWaterTargetsRequest(
            site_id=site.id,
            targets=[pb.TargetRange(parameter=pb.WATER_PARAMETER_FREE_CHLORINE, low=1.5, high=2.5)],
        ),
        metadata=office,
    )
    targets = {
        t.parameter: t
        for t in (
            await f.stub.GetWaterProfile(
                pb.GetWaterProfileRequest(installation_id=pool), metadata=office
            )
        ).targets
    }
    assert (targets[pb.WATER_PARAMETER_PH].low, targets[pb.WATER_PARAMETER_PH].source) == (
        7.0,
        "company",
    )
    assert targets[pb.WATER_PARAMETER_FREE_CHLORINE].source == "site"

    # Open to the public: the arrêté of 26 May 2021 (pH 6.9-7.7, free active chlorine
    # 0.4-1.4 mg/L without stabiliser) bounds the company's ranges.
    collective = await f.stub.SetWaterProfile(
        pb.SetWaterProfileRequest(
            installation_id=pool,
            profile=pb.WaterProfileInput(
                volume_m3=300, sanitiser=pb.SANITISER_SYSTEM_CHLORINE, collective=True
            ),
        ),
        metadata=office,
    )
    legal = {t.parameter: t for t in collective.targets}
    assert (legal[pb.WATER_PARAMETER_PH].low, legal[pb.WATER_PARAMETER_PH].high) == (7.0, 7.7)
    assert legal[pb.WATER_PARAMETER_PH].source == "regulation"
    chlorine = legal[pb.WATER_PARAMETER_FREE_CHLORINE]
    assert (chlorine.low, chlorine.high, chlorine.source) == (0.4, 1.4, "regulation")

    error = await rpc_error(
        f.stub.SetWaterProfile(
            pb.SetWaterProfileRequest(
                installation_id=pool,
                profile=pb.WaterProfileInput(
                    shape=pb.POOL_SHAPE_ROUND, sanitiser=pb.SANITISER_SYSTEM_SALT
                ),
            ),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error.trailing_metadata())) == {
        "profile.diameter_m",
        "profile.depth_min_m",
    }


async def test_readings_flags_balance_advice_and_applied_doses(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, shop = field_and_stock
    products = await chemicals(shop)
    visit, _, me = await started(f)
    pool = await installation(f, visit.site.site_id, volume=50)
    listed = await f.stub.ListVisitInstallations(
        pb.ListVisitInstallationsRequest(intervention_id=visit.id), metadata=me
    )
    assert [(i.installation_id, i.name, i.volume_m3) for i in listed.installations] == [
        (pool, "Piscine principale", 50)
    ]
    office = await f.office()
    today = local_day(FIELD_NOW)
    await f.stub.SetPhotometer(
        pb.SetPhotometerRequest(
            serial="PT-OLD",
            photometer=pb.PhotometerInput(
                model="Pooltest 25", last_calibrated_on=d(today - timedelta(days=400))
            ),
        ),
        metadata=office,
    )
    fresh = await f.stub.SetPhotometer(
        pb.SetPhotometerRequest(
            serial="PT-NEW",
            photometer=pb.PhotometerInput(last_calibrated_on=d(today - timedelta(days=30))),
        ),
        metadata=office,
    )
    assert not fresh.calibration_overdue
    overdue = await f.stub.ListPhotometers(
        pb.ListPhotometersRequest(overdue_only=True), metadata=office
    )
    assert [p.serial for p in overdue.photometers] == ["PT-OLD"]

    photometer = {"method": pb.READING_METHOD_PHOTOMETER}
    test = await f.stub.RecordWaterReadings(
        pb.RecordWaterReadingsRequest(
            intervention_id=visit.id,
            installation_id=pool,
            readings=[
                reading(pb.WATER_PARAMETER_PH, 7.8, **photometer, photometer_serial="PT-NEW"),
                reading(
                    pb.WATER_PARAMETER_FREE_CHLORINE, 0.5, **photometer, photometer_serial="PT-OLD"
                ),
                reading(
                    pb.WATER_PARAMETER_TOTAL_CHLORINE, 0.7, **photometer, photometer_serial="PT-OLD"
                ),
                reading(pb.WATER_PARAMETER_TOTAL_ALKALINITY, 60, method=pb.READING_METHOD_DROPS),
                reading(pb.WATER_PARAMETER_CALCIUM_HARDNESS, 200, method=pb.READING_METHOD_DROPS),
                reading(pb.WATER_PARAMETER_TEMPERATURE, 26, method=pb.READING_METHOD_PROBE),
            ],
        ),
        metadata=me,
    )
    readings = by_parameter(test)
    assert list(readings[pb.WATER_PARAMETER_PH].flags) == ["above_target"]
    assert list(readings[pb.WATER_PARAMETER_FREE_CHLORINE].flags) == [
        "below_target",
        "photometer_calibration_overdue",
    ]
    assert list(readings[pb.WATER_PARAMETER_TOTAL_CHLORINE].flags) == [
        "below_target",
        "photometer_calibration_overdue",
    ]
    assert list(readings[pb.WATER_PARAMETER_CALCIUM_HARDNESS].flags) == []
    assert readings[pb.WATER_PARAMETER_TOTAL_ALKALINITY].unit == "mg/L CaCO3"
    # LSI: pHs = 9.3 + 0.2 + 2.03 - (1.90 + 1.78) = 7.85 (TDS 1000 assumed): 7.8 - 7.85.
    assert test.balance.lsi == pytest.approx(-0.05, abs=0.05)
    assert test.balance.verdict == "balanced"
    # The same hand computation as test_dosing: 50 m³, TA 60 -> +40 (capped), pH 7.8 -> 7.4
    # at TA 60, chlorine 0.5 -> 2.0 in a second step after the acid.
    advice = [(a.product_id, a.quantity, a.unit, a.step) for a in test.advice]
    assert advice == [
        (products["ta"].id, "3.36", "kg", 1),
        (products["ph"].id, "1.26", "kg", 1),
        (products["chl"].id, "0.54", "L", 2),
    ]

    # The technician accepts two doses and changes the chlorine.
    applied = await f.stub.ApplyDoses(
        pb.ApplyDosesRequest(
            intervention_id=visit.id,
            installation_id=pool,
            doses=[
                pb.AppliedDose(
                    product_id=products["ta"].id, quantity="3.36", advised_quantity="3.36"
                ),
                pb.AppliedDose(
                    product_id=products["ph"].id, quantity="1.26", advised_quantity="1.26"
                ),
                pb.AppliedDose(
                    product_id=products["chl"].id, quantity="0.8", advised_quantity="0.54"
                ),
            ],
        ),
        metadata=me,
    )
    assert [(a.product_id, a.quantity) for a in applied.water_test.applied] == [
        (products["ta"].id, "3.36"),
        (products["ph"].id, "1.26"),
        (products["chl"].id, "0.8"),
    ]
    assert [
        (p.product_code, p.quantity, p.unit, p.unit_price.amount_cents)
        for p in applied.intervention.report.parts
    ] == [
        ("TAC-PLUS", "3.36", "kg", 300),
        ("PH-MOINS", "1.26", "kg", 400),
        ("CHL-LIQ", "0.8", "L", 250),
    ]
    # A later report from the phone keeps the doses; the completion hands them to the van.
    await f.stub.SaveReport(pb.SaveReportRequest(id=visit.id, notes="Skimmers vidés"), metadata=me)
    await f.stub.CompleteIntervention(
        pb.CompleteInterventionRequest(
            id=visit.id,
            technician_signature=pb.Signature(
                signer_name="Léa Roussel", signed_at=ts(FIELD_NOW), png=png()
            ),
            customer_absent=True,
            customer_absence_reason="Client absent",
        ),
        metadata=me,
    )
    document = await f.stub.GetReportPdf(pb.GetReportPdfRequest(id=visit.id), metadata=me)
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(document.pdf)).pages
    )
    for expected in (
        "Chlore libre (photomètre, photomètre à réétalonner)",
        "TAC (gouttes) 60 mg/L CaCO3 80 à 150 mg/L CaCO3",
        "pH (photomètre) 7,8 7,2 à 7,6",
        "Indice de Langelier",
        "eau équilibrée",
        "pH moins",
    ):
        assert expected in text, expected
    (event,) = await f.events("intervention.intervention.completed")
    assert event["stock_items"] == [
        {"product_id": products["ta"].id, "quantity": "3.36"},
        {"product_id": products["ph"].id, "quantity": "1.26"},
        {"product_id": products["chl"].id, "quantity": "0.8"},
    ]


async def test_bad_readings_are_refused_naming_the_field(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, _ = field_and_stock
    visit, _, me = await started(f)
    pool = await installation(f, visit.site.site_id)
    error = await rpc_error(
        f.stub.RecordWaterReadings(
            pb.RecordWaterReadingsRequest(
                intervention_id=visit.id,
                installation_id=pool,
                readings=[
                    reading(pb.WATER_PARAMETER_PH, 15),
                    reading(
                        pb.WATER_PARAMETER_FREE_CHLORINE, 2, method=pb.READING_METHOD_PHOTOMETER
                    ),
                    reading(pb.WATER_PARAMETER_TOTAL_CHLORINE, 1),
                ],
            ),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error.trailing_metadata())) == {
        "readings.0.value",
        "readings.1.photometer_serial",
        "readings.2.value",
    }
    _, other_site = await f.contract()
    elsewhere = await installation(f, other_site.id)
    error = await rpc_error(
        f.stub.RecordWaterReadings(
            pb.RecordWaterReadingsRequest(
                intervention_id=visit.id,
                installation_id=elsewhere,
                readings=[reading(pb.WATER_PARAMETER_PH, 7.2)],
            ),
            metadata=me,
        )
    )
    assert field_violations(error.trailing_metadata()) == {"installation_id": "autre site"}


async def test_trend_of_the_last_twelve_visits(field_and_stock: tuple[Field, Shop]) -> None:
    f, _ = field_and_stock
    office = await f.office()
    today = f.clock.today()
    tech, me = await f.technician(hours=weekdays("07:00", "19:00", range(1, 8)))
    contract, site = await f.contract(
        plans=[{"rrule": "FREQ=DAILY"}], start=(today - timedelta(days=60)).isoformat()
    )
    await f.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=d(today - timedelta(days=14)), horizon_months=1
        ),
        metadata=office,
    )
    past = [v for v in await f.visits(contract.id) if as_date(v.planned_date) < today][-14:]
    assert len(past) == 14
    pool = await installation(f, site.id)
    for step, visit in enumerate(past):
        day = as_date(visit.planned_date)
        await f.stub.AssignIntervention(
            pb.AssignInterventionRequest(
                id=visit.id, technician_id=tech.id, scheduled_start=ts(local_datetime(day, 540))
            ),
            metadata=office,
        )
        await f.stub.StartIntervention(
            pb.StartInterventionRequest(id=visit.id, started_at=ts(local_datetime(day, 545))),
            metadata=me,
        )
        f.clock.advance(timedelta(minutes=1))
        await f.stub.RecordWaterReadings(
            pb.RecordWaterReadingsRequest(
                intervention_id=visit.id,
                installation_id=pool,
                readings=[reading(pb.WATER_PARAMETER_PH, 7.0 + step / 20)],
            ),
            metadata=me,
        )
    # Re-measuring a visit replaces its reading: still one point per visit.
    await f.stub.RecordWaterReadings(
        pb.RecordWaterReadingsRequest(
            intervention_id=past[-1].id,
            installation_id=pool,
            readings=[reading(pb.WATER_PARAMETER_PH, 7.9)],
        ),
        metadata=me,
    )
    trend = await f.stub.GetWaterTrend(
        pb.GetWaterTrendRequest(installation_id=pool, parameter=pb.WATER_PARAMETER_PH),
        metadata=office,
    )
    assert [p.intervention_id for p in trend.points] == [v.id for v in past[2:]]
    assert [p.value for p in trend.points] == pytest.approx(
        [7.0 + step / 20 for step in range(2, 13)] + [7.9]
    )
    assert list(trend.points[-1].flags) == ["above_target"]
    assert trend.target.high == 7.6


async def test_a_collective_pool_reading_beyond_the_legal_limit_is_flagged(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, _ = field_and_stock
    visit, _, me = await started(f)
    pool = await installation(f, visit.site.site_id, volume=300)
    await f.stub.SetWaterProfile(
        pb.SetWaterProfileRequest(
            installation_id=pool,
            profile=pb.WaterProfileInput(sanitiser=pb.SANITISER_SYSTEM_CHLORINE, collective=True),
        ),
        metadata=await f.office(),
    )
    test = await f.stub.RecordWaterReadings(
        pb.RecordWaterReadingsRequest(
            intervention_id=visit.id,
            installation_id=pool,
            readings=[
                reading(pb.WATER_PARAMETER_FREE_CHLORINE, 1.8),
                reading(pb.WATER_PARAMETER_PH, 7.75),
                reading(pb.WATER_PARAMETER_CYANURIC_ACID, 10),
            ],
        ),
        metadata=me,
    )
    flags = {r.parameter: list(r.flags) for r in test.readings}
    # Without stabiliser (CYA < 15), free active chlorine 0.4-1.4 mg/L; pH 6.9-7.7.
    assert flags[pb.WATER_PARAMETER_FREE_CHLORINE] == ["above_target", "above_regulatory_limit"]
    assert flags[pb.WATER_PARAMETER_PH] == ["above_target", "above_regulatory_limit"]
    assert flags[pb.WATER_PARAMETER_CYANURIC_ACID] == ["below_target"]
    chlorine = by_parameter(test)[pb.WATER_PARAMETER_FREE_CHLORINE]
    assert (chlorine.target.high, chlorine.target.source) == (1.4, "regulation")


async def test_only_the_assigned_technician_records_and_the_office_sets_targets(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, _ = field_and_stock
    visit, _, me = await started(f)
    pool = await installation(f, visit.site.site_id)
    _, someone_else = await f.technician(name="Marc Giraud")
    request = pb.RecordWaterReadingsRequest(
        intervention_id=visit.id,
        installation_id=pool,
        readings=[reading(pb.WATER_PARAMETER_PH, 7.4)],
    )
    error = await rpc_error(f.stub.RecordWaterReadings(request, metadata=someone_else))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = await rpc_error(
        f.stub.SetWaterTargets(
            pb.SetWaterTargetsRequest(
                targets=[pb.TargetRange(parameter=pb.WATER_PARAMETER_PH, low=6.0, high=9.0)]
            ),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    await f.stub.RecordWaterReadings(request, metadata=me)
    # The customer reads the water test of their own visit.
    client = await f.as_role("client", customer_id=visit.customer_id)
    seen = await f.stub.GetWaterTest(
        pb.GetWaterTestRequest(intervention_id=visit.id, installation_id=pool), metadata=client
    )
    assert [r.value for r in seen.readings] == [7.4]
    stranger = await f.as_role("client", customer_id=str(uuid.uuid4()))
    error = await rpc_error(
        f.stub.GetWaterTest(
            pb.GetWaterTestRequest(intervention_id=visit.id, installation_id=pool),
            metadata=stranger,
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
