"""Visit photos on a phone, in a real browser on the real local stack: the technician takes a
"before" photo (a camera picture with its GPS position), sees its thumbnail, and the server has
it resized to 1600 px without the location; an "after" photo taken offline waits on the phone
and is sent when the network returns."""

from __future__ import annotations

import base64
import io
import re

from browser_steps import login
from conftest import People, screenshot
from local_stack import ApiUser
from PIL import Image
from playwright.sync_api import BrowserContext, expect
from test_browser import visit_for_technician_today

GPS_IFD = 0x8825


def camera_picture(colour: tuple[int, int, int]) -> bytes:
    """A 2400x1800 JPEG as a phone camera writes it, with the GPS position of the pool."""
    image = Image.new("RGB", (2400, 1800), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (43.0, 37.0, 39.0), 3: "E", 4: (7.0, 5.0, 49.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def test_technician_takes_photos_online_and_offline(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    # Each browser test has its own hour in the shared technician's day (no overlap refused).
    visit = visit_for_technician_today(people, admin, "10:00")
    visit_id = visit["id"]
    page = phone.new_page()
    login(page, people.technician)
    page.goto(f"/tech/visite/{visit_id}")
    page.get_by_role("button", name="Démarrer l'intervention").click()
    photos = page.get_by_test_id("photos")
    expect(photos).to_contain_text("Aucune photo pour le moment")

    page.locator('[data-photo-input="before"]').set_input_files(
        {"name": "avant.jpg", "mimeType": "image/jpeg", "buffer": camera_picture((20, 110, 190))}
    )
    sent = photos.locator('[data-testid="photo-thumbnail"][data-photo-state="sent"]')
    expect(sent).to_have_count(1)
    expect(sent.first).to_contain_text("Avant")
    expect(sent.first.locator("img")).to_have_attribute(
        "src", re.compile(r"^data:image/jpeg;base64,.")
    )

    listed = people.office.get(f"/interventions/{visit_id}/photos")["items"]
    assert [(p["kind"], p["width"], p["height"]) for p in listed] == [("before", 1600, 1200)]
    stored = people.office.get(f"/interventions/{visit_id}/photos/{listed[0]['id']}")
    content = base64.b64decode(stored["content_base64"])
    assert not Image.open(io.BytesIO(content)).getexif().get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in content

    # No network: the photo waits on the phone, then leaves on its own.
    phone.set_offline(True)
    page.locator('[data-photo-input="after"]').set_input_files(
        {"name": "apres.jpg", "mimeType": "image/jpeg", "buffer": camera_picture((200, 90, 20))}
    )
    waiting = photos.locator('[data-testid="photo-thumbnail"][data-photo-state="waiting"]')
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("En attente d'envoi")
    screenshot(page, "22-technician-photos", full_page=False)
    phone.set_offline(False)
    expect(sent).to_have_count(2, timeout=30_000)
    listed = people.office.get(f"/interventions/{visit_id}/photos")["items"]
    assert sorted(p["kind"] for p in listed) == ["after", "before"]
