"""Visit photos through the real gateway (REST built from the intervention proto's annotations)
with real contrat and intervention services: the photo travels base64 in a JSON body; a text
file or an oversized picture is a 422 naming `content_base64` and nothing is stored; a retried
upload answers the same photo; the list and the thumbnail come back."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import datetime

from aquaerp_runtime.testing.plugin import AuthFixture
from PIL import Image

from .conftest import RunningGateway, auth_header
from .test_intervention_routes import CLOCK, PARIS, active_contract, api, new_technician, ok

__all__ = ["api"]


def jpeg_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 110, 190)).save(out, "JPEG")
    return base64.b64encode(out.getvalue()).decode()


async def test_photo_upload_list_and_refusals_over_rest(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    contract_id, _ = await active_contract(api, office)
    today = CLOCK.today()
    await ok(
        await api.client.post(
            f"/api/v1/contracts/{contract_id}/visits/generate",
            json={"from_date": today.isoformat(), "horizon_months": 1},
            headers=office,
        )
    )
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
    technician, email, password = await new_technician(api, auth_service, office)
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
    await ok(await api.client.post(f"/api/v1/interventions/{visit['id']}/start", headers=me))
    url = f"/api/v1/interventions/{visit['id']}/photos"

    text_file = base64.b64encode(b"Ceci n'est pas une photo.\n" * 20).decode()
    oversized = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\0" * (8 * 1024 * 1024)).decode()
    for content in (text_file, oversized, "pas du base64 !"):
        refused = await api.client.post(
            url,
            json={"photo_id": str(uuid.uuid4()), "kind": "before", "content_base64": content},
            headers=me,
        )
        assert refused.status_code == 422, refused.text
        assert list(refused.json()["errors"]) == ["content_base64"]
    missing = await api.client.post(url, json={"photo_id": str(uuid.uuid4())}, headers=me)
    assert missing.status_code == 422
    assert {"kind", "content_base64"} <= set(missing.json()["errors"])
    assert (await ok(await api.client.get(url, headers=me)))["items"] == []

    body = {"photo_id": str(uuid.uuid4()), "kind": "after", "content_base64": jpeg_base64()}
    photo = await ok(await api.client.post(url, json=body, headers=me), 201)
    assert (photo["kind"], photo["content_type"], photo["width"]) == ("after", "image/jpeg", 800)
    again = await ok(await api.client.post(url, json=body, headers=me), 201)
    assert again == photo
    photos = await ok(await api.client.get(url, headers=office))
    assert [p["id"] for p in photos["items"]] == [body["photo_id"]]
    thumbnail = await ok(
        await api.client.get(f"{url}/{photo['id']}", params={"thumbnail": "true"}, headers=me)
    )
    small = Image.open(io.BytesIO(base64.b64decode(thumbnail["content_base64"])))
    assert small.size == (320, 240)
