"""The pool stop's water chemistry through the real gateway (REST built from the intervention
proto's annotations), with real contrat and intervention services: a water profile on an
installation, bad input answered 422 naming the field, photometers, checklist templates."""

from __future__ import annotations

from datetime import timedelta

from aquaerp_runtime.testing.plugin import AuthFixture

from .conftest import RunningGateway, auth_header
from .test_intervention_routes import CLOCK, active_contract, api, ok

__all__ = ["api"]


async def test_water_profile_photometers_and_checklists_over_rest(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    _, site_id = await active_contract(api, office, plans=False)
    pool = await ok(
        await api.client.post(
            f"/api/v1/sites/{site_id}/installations",
            json={"type": "pool", "name": "Piscine", "volume_m3": 45},
            headers=office,
        ),
        201,
    )
    url = f"/api/v1/installations/{pool['id']}/water-profile"
    profile = await ok(
        await api.client.put(
            url,
            json={
                "shape": "round",
                "diameter_m": 4,
                "depth_min_m": 1.2,
                "sanitiser": "salt",
                "cover": "shutter",
            },
            headers=office,
        )
    )
    # pi * 4² / 4 * 1.2 = 15.08 m³.
    assert profile["effective_volume_m3"] == 15.08
    targets = {t["parameter"]: t for t in profile["targets"]}
    assert (targets["salt"]["low"], targets["salt"]["high"], targets["salt"]["unit"]) == (
        3,
        6,
        "g/L",
    )
    bad = await api.client.put(
        url, json={"shape": "rectangle", "sanitiser": "chlorine"}, headers=office
    )
    assert bad.status_code == 422, bad.text
    assert {"length_m", "width_m", "depth_min_m"} <= set(bad.json()["errors"])
    missing = await api.client.put(url, json={"shape": "round"}, headers=office)
    assert missing.status_code == 422
    assert "sanitiser" in missing.json()["errors"]

    calibrated = (CLOCK.today() - timedelta(days=366)).isoformat()
    photometer = await ok(
        await api.client.put(
            "/api/v1/photometers/PT-25-0042",
            json={"model": "Pooltest 25", "last_calibrated_on": calibrated},
            headers=office,
        )
    )
    assert photometer["calibration_overdue"] is True
    listed = await ok(await api.client.get("/api/v1/photometers?overdue_only=true", headers=office))
    assert [p["serial"] for p in listed["items"]] == ["PT-25-0042"]

    template = await ok(
        await api.client.put(
            "/api/v1/checklist-templates/spring_restart",
            json={
                "items": [
                    {"key": "pump_primed", "label": "Pompe amorcée", "required": True},
                    {"key": "lines_bled", "label": "Canalisations purgées"},
                ]
            },
            headers=office,
        )
    )
    assert template["visit_type"] == "spring_restart"
    bad_key = await api.client.put(
        "/api/v1/checklist-templates/weekly",
        json={"items": [{"key": "Pompe amorcée", "label": "x"}]},
        headers=office,
    )
    assert bad_key.status_code == 422
    assert "items.0.key" in bad_key.json()["errors"]
    # A visit type in the path that is not one of the names (a number, a symbol) is refused
    # like a bad body field, never an internal error.
    for unknown in ("0", "$", "WEEKLY", "unspecified"):
        refused = await api.client.put(
            f"/api/v1/checklist-templates/{unknown}", json={"items": []}, headers=office
        )
        assert refused.status_code == 422, (unknown, refused.text)
        assert "visit_type" in refused.json()["errors"], refused.text
