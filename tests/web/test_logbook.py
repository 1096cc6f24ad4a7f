"""The collective pool's health logbook in a real browser on the real local stack: the site's
own staff (a client user of the customer owning the site) note a reading on a phone; a pH
beyond the regulatory limit is shown at once, and the office's month holds the line."""

from __future__ import annotations

import uuid

from browser_steps import login, paris_today, settled
from conftest import PASSWORD, People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect
from test_water_office import customer_with_pool


def test_site_staff_note_a_reading_beyond_the_limits_on_a_phone(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:6]
    office = people.office
    customer, pool = customer_with_pool(office, f"Camping Les Flots {suffix}")
    answer = office.request(
        "PUT",
        f"/installations/{pool['id']}/water-profile",
        json={"sanitiser": "chlorine", "volume_m3": 300, "collective": True},
    )
    assert answer.status_code == 200, answer.text
    email = f"accueil.{suffix}@web-tests.fr"
    admin.post(
        "/users",
        {
            "email": email,
            "display_name": "Accueil du camping",
            "password": PASSWORD,
            "roles": ["client"],
            "customer_id": customer["id"],
        },
    )
    staff = ApiUser(admin.base_url, email, PASSWORD).login()

    page = phone.new_page()
    try:
        login(page, staff)
        page.goto("/carnet-sanitaire")
        expect(
            page.locator("#main").get_by_role("heading", level=1, name="Carnet sanitaire")
        ).to_be_visible()
        settled(page)
        expect(page.locator("select[name=basin]")).to_have_value(pool["id"])
        page.locator("input[name=free_chlorine]").fill("1,1")
        page.locator("input[name=total_chlorine]").fill("1,4")
        page.locator("input[name=ph]").fill("8,2")
        page.locator("input[name=temperature]").fill("27")
        page.locator("input[name=attendance]").fill("85")
        page.get_by_role("button", name="Enregistrer le relevé").click()
        result = page.get_by_test_id("logbook-result")
        expect(result).to_contain_text("Valeur hors limite")
        expect(result).to_contain_text("pH 8,2 hors limite (6,9 à 7,7)")
        screenshot(page, "logbook-entry-phone")
    finally:
        page.close()

    today = paris_today()
    month = office.get(
        f"/sites/{pool['site_id']}/logbook", year=int(today[:4]), month=int(today[5:7])
    )
    (basin,) = month["basins"]
    (entry,) = basin["entries"]
    assert entry["entered_by_role"] == "client"
    assert entry["values"]["ph"] == 8.2
    assert entry["values"]["attendance"] == 85
    assert entry["breaches"] == ["pH 8,2 hors limite (6,9 à 7,7)"]
