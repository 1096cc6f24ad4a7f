"""Parts from the catalogue on the phone, in a dead zone, in a real browser on the real local
stack: the catalogue goes on the phone with the day's route; offline, the technician finds an
item by a word of its label, sets a decimal quantity, adds a part outside the catalogue, and
completes; the report waits in the outbox with the picked item and no price, and once delivered
the visit's part carries the catalogue item and the catalogue's price. The phone has no price
field at all."""

from __future__ import annotations

import json
import re
import uuid

from browser_steps import login
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect
from test_browser import sign, visit_for_technician_today


def test_technician_picks_a_catalogue_product_offline_and_the_catalogue_price_is_kept(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    code = f"FLOC-{suffix}"
    product = admin.post(
        "/stock/products",
        {
            "code": code,
            "label": f"Floculant cartouches {suffix}",
            "family": "chemical",
            "unit_of_sale": "kg",
            "ean": "",
            "standard_price_cents": 1290,
        },
    )
    visit = visit_for_technician_today(people, admin, "15:00")
    visit_id = visit["id"]
    page = phone.new_page()
    login(page, people.technician)
    expect(page.get_by_test_id(f"stop-{visit_id}")).to_be_visible()
    # The day's route put the catalogue on the phone.
    page.wait_for_function(
        "code => Object.keys(localStorage).some(k => k.endsWith('.catalogue')"
        " && localStorage.getItem(k).includes(code))",
        arg=code,
    )
    page.goto(f"/tech/visite/{visit_id}")
    expect(page.get_by_role("button", name="Démarrer l'intervention")).to_be_visible()

    phone.set_offline(True)
    try:
        expect(page.get_by_test_id("network-state")).to_have_text("Hors ligne")
        page.get_by_role("button", name="Démarrer l'intervention").click()
        picker = page.get_by_test_id("product-picker")
        expect(picker).to_contain_text("Hors ligne : catalogue enregistré le")
        picker.get_by_role("searchbox").fill(f"floculant {suffix.lower()}")
        picker.locator(f'[data-product="{code}"]').click()
        part = page.locator(f'[data-part="{code}"]')
        expect(part).to_contain_text(f"Floculant cartouches {suffix}")
        expect(part.get_by_test_id("catalogue-price")).to_contain_text("12,90")
        part.get_by_role("textbox", name="Qté").fill("2,5")
        # A part outside the catalogue: description and quantity; the office prices it.
        page.get_by_role("button", name="+ Ajouter une pièce hors catalogue").click()
        free = page.locator('[data-part="libre"]')
        free.get_by_role("textbox", name="Désignation (hors catalogue)").fill("Joint de couvercle")
        expect(free).to_contain_text("le bureau fixe le prix")
        # The technician never types a price.
        expect(page.get_by_role("textbox", name=re.compile("prix", re.IGNORECASE))).to_have_count(0)
        expect(page.locator("input[name*=price], input[id*=price]")).to_have_count(0)
        screenshot(page, "21-technician-catalogue-parts", full_page=False)
        sign(page)
        page.get_by_role("button", name="Terminer l'intervention").click()
        expect(page.get_by_test_id("queued-notice")).to_be_visible()
        queued = json.loads(page.evaluate("localStorage.getItem('aquaerp.report-outbox.v1')"))
        [item] = [i for i in queued["items"] if i["interventionId"] == visit_id]
        [report_step] = [s for s in item["steps"] if s["kind"] == "report"]
        sent = report_step["body"]["parts"]
        assert [(p["product_id"], p["quantity"], p["unit_price_cents"]) for p in sent] == [
            (product["id"], "2.5", 0),
            ("", "1", 0),
        ]
    finally:
        phone.set_offline(False)

    expect(page.get_by_test_id("completed-notice")).to_be_visible(timeout=60_000)
    done = people.office.get(f"/interventions/{visit_id}")
    assert done["status"] == "completed"
    parts = {p["description"]: p for p in done["report"]["parts"]}
    picked = parts[f"Floculant cartouches {suffix}"]
    assert (picked["product_id"], picked["product_code"], picked["unit"]) == (
        product["id"],
        code,
        "kg",
    )
    assert (picked["quantity"], picked["unit_price_cents"]) == ("2.5", 1290)
    assert parts["Joint de couvercle"]["product_id"] == ""
    assert parts["Joint de couvercle"]["unit_price_cents"] == 0
