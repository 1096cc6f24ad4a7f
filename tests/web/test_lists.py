"""The office lists in a real browser on the real local stack: the customers list sorted by a
column header (the server sorts), counted ("1 to 3 of 3", in French), filtered with chips, a filter saved
and applied again after a reload, and the filtered list exported as CSV in its order, formulas
neutralised; the invoices list sorted by amount with its count."""

from __future__ import annotations

import csv
import io
import re
import uuid

from browser_steps import login, settled
from conftest import People, screenshot
from playwright.sync_api import BrowserContext, expect

THREE = "1\N{EN DASH}3 sur 3"


def _customer(people: People, name: str, city: str) -> str:
    created = people.office.post(
        "/customers",
        {
            "type": "private",
            "name": name,
            "billing_address": {"lines": ["5 rue du Port"], "postal_code": "34200", "city": city},
            "billing_email": f"{uuid.uuid4().hex[:8]}@listes.fr",
        },
    )
    return str(created["id"])


def test_customers_list_sort_count_saved_filter_export(
    desktop: BrowserContext, people: People
) -> None:
    tag = f"Lst{uuid.uuid4().hex[:5]}"
    for name, city in [
        (f"{tag} Roux", "Sète"),
        (f"{tag} Aubert", "Agde"),
        (f"=1+2 {tag}", "Lunel"),
    ]:
        _customer(people, name, city)
    _customer(people, f"Autre client {uuid.uuid4().hex[:5]}", "Agde")  # outside the filter
    page = desktop.new_page()
    login(page, people.office)
    page.goto("/clients")
    settled(page)

    page.get_by_label("Rechercher").fill(tag)
    expect(page.get_by_role("button", name=f"Retirer le filtre Recherche : {tag}")).to_be_visible()
    expect(page.get_by_test_id("list-range")).to_have_text(THREE)

    city = page.get_by_role("columnheader", name=re.compile("Ville"))
    cities = page.locator("table tbody tr td:nth-child(4)")
    city.get_by_role("button").click()
    expect(city).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("table tbody tr")).to_have_count(3)
    expect(cities).to_have_text(["Agde", "Lunel", "Sète"])
    city.get_by_role("button").click()
    expect(city).to_have_attribute("aria-sort", "descending")
    expect(cities).to_have_text(["Sète", "Lunel", "Agde"])

    # The filter (text and sort) saved under a name, then gone, then applied again.
    page.get_by_role("button", name="Enregistrer le filtre").click()
    page.get_by_label("Nom du filtre").fill("Clients du test")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_role("button", name=f"Retirer le filtre Recherche : {tag}").click()
    expect(page.get_by_text("Aucun filtre")).to_be_visible()
    expect(page.get_by_label("Rechercher")).to_have_value("")
    expect(page.get_by_test_id("list-range")).not_to_have_text(THREE)
    page.reload()
    settled(page)
    page.get_by_test_id("saved-filters").select_option(label="Clients du test")
    expect(page.get_by_test_id("list-range")).to_have_text(THREE)
    expect(city).to_have_attribute("aria-sort", "descending")
    expect(cities).to_have_text(["Sète", "Lunel", "Agde"])
    screenshot(page, "50-customers-list-sorted-saved-filter")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exporter en CSV").click()
    download = download_info.value
    assert download.suggested_filename == "clients.csv"
    path = download.path()
    assert path is not None
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][1] == "Nom" and rows[0][7] == "Ville"
    assert [r[7] for r in rows[1:]] == ["Sète", "Lunel", "Agde"]
    assert f"'=1+2 {tag}" in [r[1] for r in rows[1:]], "the formula is neutralised"


def test_invoices_list_sorted_by_amount_with_its_count(
    desktop: BrowserContext, people: People
) -> None:
    tag = f"Fct{uuid.uuid4().hex[:5]}"
    customer_id = _customer(people, f"{tag} Camping", "Agde")
    for cents in (4500, 12000, 800):
        people.office.post(
            "/invoices",
            {
                "customer_id": customer_id,
                "lines": [
                    {
                        "description": "Entretien",
                        "quantity": "1",
                        "unit_price": {"amount_cents": cents},
                        "vat_rate": "20",
                    }
                ],
            },
        )
    page = desktop.new_page()
    login(page, people.office)
    page.goto("/factures")
    settled(page)
    page.get_by_label("Rechercher").fill(tag)
    expect(page.get_by_test_id("list-range")).to_have_text(THREE)
    total = page.get_by_role("columnheader", name=re.compile("Total TTC"))
    total.get_by_role("button").click()
    expect(total).to_have_attribute("aria-sort", "ascending")
    amounts = page.locator("table tbody tr td:nth-child(5)")
    expect(amounts).to_have_text([re.compile(r"9,60"), re.compile(r"54,00"), re.compile(r"144,00")])
    total.get_by_role("button").click()
    expect(amounts).to_have_text([re.compile(r"144,00"), re.compile(r"54,00"), re.compile(r"9,60")])
