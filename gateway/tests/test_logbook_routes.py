"""The collective pool's health logbook through the real gateway (REST built from the
intervention proto's annotations) with real contrat and intervention services: bad readings
answered 422 naming the field, a reading added, the month and its CSV download."""

from __future__ import annotations

from aquaerp_runtime.testing.plugin import AuthFixture

from .conftest import RunningGateway, auth_header
from .test_intervention_routes import CLOCK, active_contract, api, ok

__all__ = ["api"]


async def test_logbook_entry_bad_values_are_422_and_the_month_downloads(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    _, site_id = await active_contract(api, office, plans=False)
    pool = await ok(
        await api.client.post(
            f"/api/v1/sites/{site_id}/installations",
            json={"type": "pool", "name": "Bassin sportif", "volume_m3": 400},
            headers=office,
        ),
        201,
    )
    await ok(
        await api.client.put(
            f"/api/v1/installations/{pool['id']}/water-profile",
            json={"sanitiser": "chlorine", "volume_m3": 400, "collective": True},
            headers=office,
        )
    )
    url = f"/api/v1/installations/{pool['id']}/logbook"
    taken_at = CLOCK.now().isoformat()
    reading = {
        "taken_at": taken_at,
        "free_chlorine_mg_l": 1.0,
        "total_chlorine_mg_l": 1.2,
        "ph": 7.3,
        "temperature_c": 27,
        "transparent": True,
        "attendance": 55,
    }
    missing = await api.client.post(
        url, json={"entry": {k: v for k, v in reading.items() if k != "ph"}}, headers=office
    )
    assert missing.status_code == 422, missing.text
    assert "entry.ph" in missing.json()["errors"], missing.text
    beyond = await api.client.post(url, json={"entry": {**reading, "ph": 15}}, headers=office)
    assert beyond.status_code == 422, beyond.text
    assert "entry.ph" in beyond.json()["errors"], beyond.text
    lower = await api.client.post(
        url, json={"entry": {**reading, "total_chlorine_mg_l": 0.5}}, headers=office
    )
    assert lower.status_code == 422, lower.text
    assert "entry.total_chlorine_mg_l" in lower.json()["errors"], lower.text
    added = await ok(await api.client.post(url, json={"entry": reading}, headers=office), 201)
    assert added["breaches"] == []
    today = CLOCK.today()
    query = f"year={today.year}&month={today.month}"
    month = await ok(
        await api.client.get(f"/api/v1/sites/{site_id}/logbook?{query}", headers=office)
    )
    assert [len(b["entries"]) for b in month["basins"]] == [1]
    bad_month = await api.client.get(
        f"/api/v1/sites/{site_id}/logbook?year=2026&month=13", headers=office
    )
    assert bad_month.status_code == 422, bad_month.text
    assert "month" in bad_month.json()["errors"]
    download = await api.client.get(
        f"/api/v1/sites/{site_id}/logbook/export.csv?{query}", headers=office
    )
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="logbook.csv"' in download.headers["content-disposition"]
    assert "Bassin sportif" in download.content.decode("utf-8-sig")
