"""The pool stop's water chemistry on a phone, in a real browser on the real local stack: the
technician opens the water test, types the readings, sees the flags, the water balance and the
dose advice from the catalogue, applies the doses (which become the report's products), and
ticks the visit's checklist, whose required item the office set."""

from __future__ import annotations

import uuid

from browser_steps import login
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect
from test_browser import visit_for_technician_today


def test_technician_measures_gets_advice_applies_doses_and_ticks_the_checklist(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    # Each browser test has its own hour in the shared technician's day (no overlap refused).
    visit = visit_for_technician_today(people, admin, "17:00")
    visit_id, site_id = visit["id"], visit["site"]["site_id"]
    admin.post(
        f"/sites/{site_id}/installations",
        {"type": "pool", "name": "Piscine", "volume_m3": 50},
    )
    ph_minus = admin.post(
        "/stock/products",
        {
            "code": f"PHM-{suffix}",
            "label": "pH moins granulés",
            "family": "chemical",
            "unit_of_sale": "kg",
            "dosing_role": "ph_down",
            "strength_percent": "95",
            "standard_price_cents": 450,
        },
    )
    admin.request(
        "PUT",
        "/checklist-templates/weekly",
        json={
            "items": [{"key": "skimmers", "label": "Paniers de skimmer vidés", "required": True}]
        },
    )
    try:
        page = phone.new_page()
        login(page, people.technician)
        page.goto(f"/tech/visite/{visit_id}")
        page.get_by_role("button", name="Démarrer l'intervention").click()
        page.get_by_test_id("water-open").click()
        page.get_by_role("textbox", name="Analyse : pH").fill("7,8")
        page.get_by_role("textbox", name="Analyse : TAC (mg/L CaCO₃)").fill("100")
        page.get_by_role("textbox", name="Analyse : Dureté calcique (mg/L CaCO₃)").fill("250")
        page.get_by_role("textbox", name="Analyse : Température (°C)").fill("26")
        page.get_by_test_id("water-analyse").click()
        expect(page.locator('[data-reading="ph"]')).to_contain_text("au-dessus de la cible")
        expect(page.get_by_test_id("water-balance")).to_contain_text("indice de Langelier")
        # 50 m³, pH 7.8 -> 7.4 at TA 100: 50 * 0.4 * 100 / 0.95 = 2105.26 g.
        advice = page.locator('[data-advice="ph_down"]')
        expect(advice).to_contain_text("pH moins granulés")
        expect(advice.get_by_role("textbox")).to_have_value("2.11")
        advice.get_by_role("textbox").fill("2")
        page.get_by_test_id("water-apply").click()
        expect(page.get_by_test_id("water-applied")).to_contain_text("Doses enregistrées (1)")
        screenshot(page, "20-technician-water-test", full_page=False)

        page.locator('[data-check="skimmers"]').check()
        page.get_by_test_id("checklist-save").click()
        expect(page.get_by_test_id("checklist")).to_contain_text("Enregistrée")

        report = people.office.get(f"/interventions/{visit_id}")["report"]
        assert [(p["product_id"], p["quantity"]) for p in report["parts"]] == [
            (ph_minus["id"], "2")
        ]
        checklist = people.office.get(f"/interventions/{visit_id}/checklist")
        assert [(s["key"], s["checked"]) for s in checklist["states"]] == [("skimmers", True)]
    finally:
        # The other browser tests complete visits: no required item is left behind.
        cleared = admin.request("PUT", "/checklist-templates/weekly", json={"items": []})
        assert cleared.status_code == 200, cleared.text
