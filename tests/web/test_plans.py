"""Maintenance plans in a real browser on the real local stack: the typical seasonal contract
(weekly from May to September, monthly from October to April) typed in the contract form shows
weekly visits only from May to September in its twelve-month preview, and the plans of the
activated contract are changed from its page."""

from __future__ import annotations

import calendar
import re
from datetime import date

from browser_steps import login, paris_today, settled
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect


def customer_with_site(office: ApiUser) -> str:
    address = {"lines": ["8 chemin des Lavandes"], "postal_code": "13100", "city": "Aix"}
    customer = office.post(
        "/customers",
        {
            "type": "private",
            "name": "Hélène Garnier",
            "billing_address": address,
            "billing_contact_name": "Hélène Garnier",
            "billing_email": "helene.garnier@example.fr",
        },
    )
    office.post(f"/customers/{customer['id']}/sites", {"name": "Villa Garnier", "address": address})
    return str(customer["id"])


def tuesdays(year: int, month: int) -> int:
    return sum(1 for week in calendar.monthcalendar(year, month) if week[calendar.TUESDAY] != 0)


def test_the_seasonal_contract_previews_weekly_visits_only_in_summer(
    desktop: BrowserContext, people: People
) -> None:
    customer_id = customer_with_site(people.office)
    year = date.fromisoformat(paris_today()).year + 1
    page = desktop.new_page()
    login(page, people.office)
    page.goto(f"/contrats/nouveau?client={customer_id}")
    expect(page.get_by_test_id("contract-customer")).to_have_text("Hélène Garnier")
    page.get_by_label("Date de début").fill(f"{year}-01-01")
    line = page.get_by_test_id("line-0")
    line.get_by_label("Libellé").fill("Entretien piscine (forfait mensuel)")
    line.get_by_label("Prix unitaire HT (€)").fill("149,00")

    summer = page.get_by_test_id("plan-0")
    summer.get_by_label("Libellé de la visite").fill("Entretien hebdomadaire")
    summer.get_by_label("Rythme").select_option(label="Chaque semaine (mardi)")
    summer.get_by_label("Saison : du (MM-JJ)").fill("05-01")
    summer.get_by_label("Saison : au (MM-JJ)").fill("09-30")
    page.get_by_role("button", name="+ Ajouter un rythme de visite").click()
    winter = page.get_by_test_id("plan-1")
    winter.get_by_label("Libellé de la visite").fill("Entretien mensuel")
    winter.get_by_label("Rythme").select_option(label="Chaque mois (le 5)")
    winter.get_by_label("Saison : du (MM-JJ)").fill("10-01")
    winter.get_by_label("Saison : au (MM-JJ)").fill("04-30")
    expect(winter.locator("legend")).to_contain_text("Du 10-01 au 04-30")

    # Every month: its Tuesdays from May to September, the 5th otherwise, never both.
    preview = page.get_by_test_id("plan-preview")
    expected = {month: tuesdays(year, month) if 5 <= month <= 9 else 1 for month in range(1, 13)}
    for month, count in expected.items():
        cell = preview.locator(f'[data-month="{year}-{month:02d}"]')
        expect(cell).to_have_attribute("data-count", str(count))
    december = preview.locator(f'[data-month="{year}-12"]')
    expect(december).to_have_attribute("title", re.compile(r"^5 déc\.? \d{4} : Entretien mensuel$"))
    expect(preview.locator(f'[data-month="{year}-07"]')).to_have_attribute(
        "title", re.compile("Entretien hebdomadaire")
    )
    expect(preview.locator(f'[data-month="{year}-07"]')).not_to_have_attribute(
        "title", re.compile("Entretien mensuel")
    )
    expect(page.get_by_test_id("plan-preview-total")).to_have_text(
        f"{sum(expected.values())} visites sur 12 mois"
    )
    screenshot(page, "60-plan-preview")

    page.get_by_role("button", name="Créer le contrat").click()
    expect(page.get_by_role("heading", name="Contrat (brouillon)")).to_be_visible()
    page.get_by_role("button", name="Activer le contrat").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Contrat \S+-"))).to_be_visible()
    settled(page)

    # In force: the plans are changed from the contract's page, previewed from today.
    page.get_by_role("button", name="Modifier le plan").click()
    summer = page.get_by_test_id("plan-0")
    expect(summer.get_by_label("Saison : du (MM-JJ)")).to_have_value("05-01")
    summer.get_by_label("Rythme").select_option(label="Toutes les deux semaines (lundi)")
    expect(page.get_by_test_id("plan-preview")).to_be_visible()
    page.get_by_role("button", name="Enregistrer le plan").click()
    result = page.get_by_test_id("plan-regeneration")
    expect(result).to_contain_text("Plan enregistré")
    expect(result).to_contain_text("visites créées sur le nouveau rythme")
    page.get_by_test_id("plan-regeneration").get_by_role("button", name="Fermer").click()
    plans = page.get_by_role("region", name="Plan de maintenance")
    expect(plans).to_contain_text("Toutes les deux semaines (lundi)")
    expect(plans).to_contain_text("05-01 → 09-30")
    screenshot(page, "61-plan-edited")
