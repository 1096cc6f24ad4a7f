"""Field work through the real gateway, with real contrat and intervention services: the
technician's day (login -> today's schedule -> start -> report -> complete) and the office's
(breakdown call -> assign -> planning), plus the public calendar feed."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest_asyncio
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, service_account_settings
from icalendar import Calendar

from .conftest import GatewayFactory, RunningGateway, auth_header

PARIS = ZoneInfo("Europe/Paris")
# The services' time: a Wednesday morning in summer, whatever the hour of the run.
CLOCK = FixedClock(paris(2026, 7, 15, 10, 0))
EVERY_DAY = [{"weekday": w, "start": "07:00", "end": "19:00"} for w in range(1, 8)]


def png_base64() -> str:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 32, 10, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * 32 for _ in range(10)))
    data = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return base64.b64encode(data).decode()


@pytest_asyncio.fixture
async def api(
    start_gateway: GatewayFactory,
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
) -> AsyncIterator[RunningGateway]:
    contrat = await services.start(
        load_service("contrat"),
        database=rollback_database,
        clock=CLOCK,
        targets={"auth": auth_service.target},
    )
    intervention = await services.start(
        load_service("intervention"),
        database=rollback_database,
        clock=CLOCK,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        **service_account_settings("intervention"),
    )
    yield await start_gateway(
        targets={"contrat": contrat.target, "intervention": intervention.target}
    )


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content and status != 204 else None


async def active_contract(
    api: RunningGateway, office: dict[str, str], *, plans: bool = True
) -> tuple[str, str]:
    """A customer, a site and an active contract with a daily plan; returns (contract, site)."""
    customer = await ok(
        await api.client.post(
            "/api/v1/customers",
            json={
                "type": "private",
                "name": "Julien Martin",
                "billing_address": {
                    "lines": ["3 impasse des Mûriers"],
                    "postal_code": "34970",
                    "city": "Lattes",
                },
                "billing_contact_name": "Julien Martin",
                "billing_email": "julien.martin@example.fr",
            },
            headers=office,
        ),
        201,
    )
    site = await ok(
        await api.client.post(
            f"/api/v1/customers/{customer['id']}/sites",
            json={
                "name": "Villa Les Pins",
                "address": {
                    "lines": ["3 impasse des Mûriers"],
                    "postal_code": "34970",
                    "city": "Lattes",
                },
                "geo": {"latitude": 43.5675, "longitude": 3.9009},
                "access_notes": "Chien dans le jardin",
                "gate_code": "4821B",
            },
            headers=office,
        ),
        201,
    )
    today = CLOCK.today()
    contract = await ok(
        await api.client.post(
            "/api/v1/contracts",
            json={
                "customer_id": customer["id"],
                "site_ids": [site["id"]],
                "lines": [
                    {
                        "product_code": "ENT-PISC",
                        "label": "Entretien",
                        "unit_price": {"amount_cents": 9000},
                        "vat_rate": "20",
                    }
                ],
                "billing_frequency": "monthly",
                "billing_timing": "in_advance",
                "start_date": (today - timedelta(days=30)).isoformat(),
                "sla_hours": 24,
                "plans": [
                    {
                        "site_id": site["id"],
                        "label": "Entretien piscine",
                        "rrule": "FREQ=DAILY",
                        "time_window": {"start": "07:00", "end": "19:00"},
                        "duration_minutes": 45,
                        "required_skill": "piscine",
                    }
                ]
                if plans
                else [],
            },
            headers=office,
        ),
        201,
    )
    await ok(await api.client.post(f"/api/v1/contracts/{contract['id']}/activate", headers=office))
    return contract["id"], site["id"]


async def new_technician(
    api: RunningGateway, auth_service: AuthFixture, office: dict[str, str]
) -> tuple[dict[str, Any], str, str]:
    user, password = await auth_service.create_user("technicien")
    technician = await ok(
        await api.client.post(
            "/api/v1/technicians",
            json={
                "user_id": user.id,
                "display_name": "Léa Roussel",
                "skills": ["piscine"],
                "working_hours": EVERY_DAY,
                "home_base": {"latitude": 43.6108, "longitude": 3.8767},
            },
            headers=office,
        ),
        201,
    )
    return technician, user.email, password


async def test_technician_day_from_login_to_completed_report(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    contract_id, _ = await active_contract(api, office)
    today = CLOCK.today()
    generated = await ok(
        await api.client.post(
            f"/api/v1/contracts/{contract_id}/visits/generate",
            json={"from_date": today.isoformat(), "horizon_months": 1},
            headers=office,
        )
    )
    assert generated["created"] >= 28
    technician, email, password = await new_technician(api, auth_service, office)
    listed = await ok(
        await api.client.get(
            "/api/v1/interventions",
            params={
                "contract_id": contract_id,
                "from_date": today.isoformat(),
                "to_date": today.isoformat(),
            },
            headers=office,
        )
    )
    (visit,) = listed["items"]
    start = datetime.combine(today, datetime.min.time(), PARIS).replace(hour=9)
    await ok(
        await api.client.post(
            f"/api/v1/interventions/{visit['id']}/assign",
            json={"technician_id": technician["id"], "scheduled_start": start.isoformat()},
            headers=office,
        )
    )

    login = await ok(
        await api.client.post("/api/v1/auth/login", json={"email": email, "password": password})
    )
    me = auth_header(login["tokens"]["access_token"])
    schedule = await ok(await api.client.get("/api/v1/me/schedule", headers=me))
    assert schedule["technician"]["id"] == technician["id"]
    (day,) = schedule["days"]
    assert day["date"] == today.isoformat()
    (stop,) = day["stops"]
    job = stop["intervention"]
    assert job["id"] == visit["id"]
    assert job["site"]["address"]["city"] == "Lattes"
    assert job["site"]["access_notes"] == "Chien dans le jardin"
    assert job["label"].startswith("Entretien piscine")
    assert stop["travel_metres"] > 0

    started = await ok(
        await api.client.post(f"/api/v1/interventions/{visit['id']}/start", headers=me)
    )
    assert started["status"] == "in_progress"
    bad = await api.client.put(
        f"/api/v1/interventions/{visit['id']}/report", json={"measurements": {"ph": 15}}, headers=me
    )
    assert bad.status_code == 422
    assert "measurements.ph" in bad.json()["errors"]
    report = await ok(
        await api.client.put(
            f"/api/v1/interventions/{visit['id']}/report",
            json={
                "measurements": {
                    "ph": 7.2,
                    "free_chlorine_mg_l": 0.6,
                    "total_chlorine_mg_l": 1.1,
                    "salt_g_l": 4.5,
                },
                "actions": ["Nettoyage des paniers", "Brossage des parois"],
                "parts": [
                    {
                        "description": "Chlore choc 1 kg",
                        "quantity": "1",
                        "unit": "kg",
                        "unit_price_cents": 1290,
                        "billable": True,
                    }
                ],
            },
            headers=me,
        )
    )
    assert [w["field"] for w in report["report"]["warnings"]] == ["free_chlorine_mg_l"]
    missing = await api.client.post(
        f"/api/v1/interventions/{visit['id']}/complete",
        json={
            "technician_signature": {
                "signer_name": "Léa Roussel",
                "signed_at": CLOCK.now().isoformat(),
                "png_base64": png_base64(),
            }
        },
        headers=me,
    )
    assert missing.status_code == 422
    assert "customer_signature" in missing.json()["errors"]
    signed_at = CLOCK.now().isoformat()
    done = await ok(
        await api.client.post(
            f"/api/v1/interventions/{visit['id']}/complete",
            json={
                "customer_signature": {
                    "signer_name": "Julien Martin",
                    "signed_at": signed_at,
                    "png_base64": png_base64(),
                },
                "technician_signature": {
                    "signer_name": "Léa Roussel",
                    "signed_at": signed_at,
                    "png_base64": png_base64(),
                },
            },
            headers=me,
        )
    )
    assert done["status"] == "completed"
    assert done["report"]["pdf_available"]
    pdf = await api.client.get(f"/api/v1/interventions/{visit['id']}/report.pdf", headers=me)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    feed = await ok(await api.client.post("/api/v1/me/calendar-feed", headers=me))
    assert feed["url"].endswith(f"/api/v1/calendar/{feed['token']}.ics")
    public = await api.client.get(f"/api/v1/calendar/{feed['token']}.ics")  # no credentials
    assert public.status_code == 200
    assert public.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(public.text).walk("VEVENT")
    assert str(event["uid"]) == f"{visit['id']}@aquaerp"
    await ok(await api.client.delete("/api/v1/me/calendar-feed", headers=me), 204)
    gone = await api.client.get(f"/api/v1/calendar/{feed['token']}.ics")
    assert gone.status_code == 404


async def test_office_records_a_breakdown_assigns_it_and_sees_it_in_the_planning(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    contract_id, site_id = await active_contract(api, office, plans=False)
    technician, _, _ = await new_technician(api, auth_service, office)
    invalid = await api.client.post(
        "/api/v1/interventions",
        json={
            "contract_id": contract_id,
            "site_id": site_id,
            "priority": "whenever",
            "problem_description": "Fuite",
        },
        headers=office,
    )
    assert invalid.status_code == 422
    assert "priority" in invalid.json()["errors"]
    created = await ok(
        await api.client.post(
            "/api/v1/interventions",
            json={
                "contract_id": contract_id,
                "site_id": site_id,
                "priority": "urgent",
                "problem_description": "Pompe à chaleur en défaut, eau à 18 °C",
                "billable": True,
                "estimated_minutes": 90,
            },
            headers=office,
        ),
        201,
    )
    assert created["kind"] == "corrective" and created["sla_deadline"] is not None
    day = CLOCK.today() + timedelta(days=2)
    start = datetime.combine(day, datetime.min.time(), PARIS).replace(hour=14)
    assigned = await ok(
        await api.client.post(
            f"/api/v1/interventions/{created['id']}/assign",
            json={"technician_id": technician["id"], "scheduled_start": start.isoformat()},
            headers=office,
        )
    )
    assert assigned["technician_id"] == technician["id"]
    assert assigned["planned_date"] == day.isoformat()
    second = await ok(
        await api.client.post(
            "/api/v1/interventions",
            json={
                "contract_id": contract_id,
                "site_id": site_id,
                "priority": "normal",
                "problem_description": "Volet roulant bloqué",
            },
            headers=office,
        ),
        201,
    )
    conflict = await api.client.post(
        f"/api/v1/interventions/{second['id']}/assign",
        json={
            "technician_id": technician["id"],
            "scheduled_start": (start + timedelta(minutes=30)).isoformat(),
        },
        headers=office,
    )
    assert conflict.status_code == 409
    assert conflict.json()["errors"]["reason"] == "OVERLAP"
    # A stable code and its parameters, for the client to word the message in French.
    assert conflict.json()["code"] == "assignment.overlap"
    assert conflict.json()["params"] == {
        "intervention_id": created["id"],
        "from": "14:00",
        "to": "15:30",
    }
    planning = await ok(
        await api.client.get(
            "/api/v1/planning",
            params={
                "from_date": day.isoformat(),
                "to_date": day.isoformat(),
                "technician_id": technician["id"],
            },
            headers=office,
        )
    )
    (lane,) = planning["lanes"]
    assert [i["id"] for i in lane["interventions"]] == [created["id"]]
    assert second["id"] in [i["id"] for i in planning["unassigned"]]
    technician_token = auth_header(await auth_service.token("technicien"))
    forbidden = await api.client.get(
        "/api/v1/planning",
        params={"from_date": day.isoformat(), "to_date": day.isoformat()},
        headers=technician_token,
    )
    assert forbidden.status_code == 403
