"""The office's water screens in a real browser on the real local stack: a company target refused
by the server (its French message next to the field), corrected and saved, then in effect on an
installation opened from the customer's record after a reload; a checklist template edited
(items added, one required, reordered) and served as such by the API; a photometer calibrated 13
months ago highlighted on its list and announced on the dashboard."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from browser_steps import login, paris_today, settled
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, Page, expect


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def customer_with_pool(office: ApiUser, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    address = {"lines": ["12 chemin des Oliviers"], "postal_code": "06600", "city": "Antibes"}
    customer = office.post(
        "/customers",
        {
            "type": "private",
            "name": name,
            "billing_address": address,
            "billing_email": "famille@example.fr",
        },
    )
    site = office.post(
        f"/customers/{customer['id']}/sites", {"name": "Villa Les Oliviers", "address": address}
    )
    pool = office.post(
        f"/sites/{site['id']}/installations",
        {"type": "pool", "name": "Piscine principale", "volume_m3": 40},
    )
    return customer, pool


def nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=label, exact=True
    ).click()


def test_company_targets_checklist_template_and_overdue_photometer(
    desktop: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    office = people.office
    customer, pool = customer_with_pool(office, f"Famille Garnier {suffix}")
    today = date.fromisoformat(paris_today())
    overdue_serial, recent_serial = f"PT-OLD-{suffix}", f"PT-NEW-{suffix}"
    for serial, calibrated in (
        (overdue_serial, months_before(today, 13)),
        (recent_serial, today - timedelta(days=30)),
    ):
        answer = office.request(
            "PUT",
            f"/photometers/{serial}",
            json={"model": "Pooltest 25", "last_calibrated_on": calibrated.isoformat()},
        )
        assert answer.status_code == 200, answer.text
    templates = {t["visit_type"]: t for t in office.get("/checklist-templates")["items"]}
    winterising_before = templates.get("winterising", {}).get("items", [])

    page = desktop.new_page()
    try:
        login(page, office)

        # -- company targets: an inverted range refused next to its field, then corrected --
        nav(page, "Qualité de l'eau")
        expect(page.get_by_role("heading", level=1, name="Qualité de l'eau")).to_be_visible()
        page.get_by_label("Solides dissous (TDS) minimum").fill("3000")
        page.get_by_label("Solides dissous (TDS) maximum").fill("2000")
        page.get_by_role("button", name="Enregistrer les cibles").click()
        expect(page.locator('[data-error-for="targets.0.low"]')).to_have_text(
            "supérieur au maximum"
        )
        page.get_by_label("Solides dissous (TDS) minimum").fill("")
        page.get_by_role("button", name="Enregistrer les cibles").click()
        expect(page.get_by_text("Cibles enregistrées")).to_be_visible()
        expect(page.locator("[data-error-for]")).to_have_count(0)
        expect(page.get_by_label("Solides dissous (TDS) maximum")).to_have_value("2000")

        # After a reload, the installation (opened from its customer) has the company's range.
        page.reload()
        page.goto(f"/clients/{customer['id']}")
        settled(page)
        page.locator(f'a[href*="installation={pool["id"]}"]').click()
        settled(page)
        tds = page.get_by_test_id("effective-targets").locator('[data-parameter="tds"]')
        expect(tds).to_contain_text(re.compile(r"≤ 2\s?000"))
        expect(tds).to_contain_text("entreprise")
        ph = page.get_by_test_id("effective-targets").locator('[data-parameter="ph"]')
        expect(ph).to_contain_text("valeur par défaut")
        screenshot(page, "water-installation")

        # -- checklist template: two points added, the second required and moved up --
        nav(page, "Modèles de checklist")
        settled(page)
        page.get_by_label("Type de visite").select_option("winterising")
        items = page.locator(".checklist-items > li")
        existing = items.count()
        first, second = f"Volet roulant nettoyé {suffix}", f"Bouchons d'hivernage posés {suffix}"
        page.get_by_role("button", name="+ Ajouter un point").click()
        page.get_by_label(f"Point {existing + 1}", exact=True).fill(first)
        page.get_by_role("button", name="+ Ajouter un point").click()
        page.get_by_label(f"Point {existing + 2}", exact=True).fill(second)
        page.get_by_label(f"Point {existing + 2} obligatoire").check()
        page.get_by_role("button", name=f"Monter le point {existing + 2}").click()
        expect(page.get_by_label(f"Point {existing + 1}", exact=True)).to_have_value(second)
        page.get_by_role("button", name="Enregistrer le modèle").click()
        expect(page.get_by_text("Modèle enregistré")).to_be_visible()
        served = {t["visit_type"]: t for t in office.get("/checklist-templates")["items"]}
        tail = [
            (item["label"], item.get("required", False))
            for item in served["winterising"]["items"][-2:]
        ]
        assert tail == [(second, True), (first, False)], served["winterising"]
        assert all(re.fullmatch(r"[a-z0-9_]+", i["key"]) for i in served["winterising"]["items"])

        # -- photometers: the overdue one highlighted, the dashboard warns --
        nav(page, "Photomètres")
        settled(page)
        old_row = page.locator(f'tr[data-serial="{overdue_serial}"]')
        expect(old_row.get_by_test_id("overdue")).to_have_text("Étalonnage de plus d'un an")
        expect(old_row).to_have_class(re.compile("row--danger"))
        new_row = page.locator(f'tr[data-serial="{recent_serial}"]')
        expect(new_row).to_contain_text("À jour")
        expect(new_row.get_by_test_id("overdue")).to_have_count(0)
        screenshot(page, "photometers")
        nav(page, "Tableau de bord")
        warning = page.get_by_test_id("photometers-overdue")
        expect(warning).to_contain_text(overdue_serial)
        expect(warning).not_to_contain_text(recent_serial)
    finally:
        page.close()
        # The company's targets and the winterising checklist back as they were for other tests.
        admin.request("PUT", "/water-targets", json={"targets": []})
        admin.request("PUT", "/checklist-templates/winterising", json={"items": winterising_before})
        for serial in (overdue_serial, recent_serial):
            # No delete in the API: the overdue one is recalibrated so later dashboards stay quiet.
            admin.request(
                "PUT",
                f"/photometers/{serial}",
                json={"model": "Pooltest 25", "last_calibrated_on": today.isoformat()},
            )
