"""The stock screens in a real browser on the real local stack: an article created from the
catalogue (the server's refusal shown next to its field), a supplier receipt into the depot, a
transfer to a technician's van, the van's level below its minimum with what to load, then an
inventory count of the van with a difference, validated, and the adjusted level."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from aquaerp_runtime.clock import BUSINESS_TZ
from browser_steps import login, settled
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, Page, expect


def location_label(name: str, kind: str, code: str) -> str:
    return f"{name} ({'Véhicule' if kind == 'van' else 'Dépôt'}, {code})"


def technician_van(admin: ApiUser, people: People) -> tuple[str, str, str]:
    """The id, code and name of Marc Dupuis's van: one van per technician, created by the
    first test that needs it."""
    for place in admin.get("/stock/locations", kind="van")["items"]:
        if place["location"].get("technician_id") == people.technician_id:
            return place["id"], place["location"]["code"], place["location"]["name"]
    code = f"VAN-{uuid.uuid4().hex[:6].upper()}"
    created = admin.post(
        "/stock/locations",
        {
            "code": code,
            "name": "Camionnette Marc",
            "kind": "van",
            "technician_id": people.technician_id,
            "technician_user_id": people.technician.get("/auth/me")["id"],
        },
    )
    return str(created["id"]), code, "Camionnette Marc"


def choose_location(page: Page, field: str, label: str) -> None:
    page.get_by_label(field).select_option(label=label)


def test_article_receipt_transfer_level_and_inventory(
    desktop: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    depot_code, code = f"DEPOT-{suffix}", f"JNT-{suffix}"
    # Locations set up through the API (the screen for them has its own test).
    admin.post(
        "/stock/locations", {"code": depot_code, "name": "Dépôt Antibes", "kind": "warehouse"}
    )
    van_id, van_code, van_name = technician_van(admin, people)
    depot = location_label("Dépôt Antibes", "warehouse", depot_code)
    van = location_label(van_name, "van", van_code)

    page = desktop.new_page()
    login(page, people.office)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1, name="Catalogue")).to_be_visible()
    settled(page)

    # A code in lower case is refused by the server: the message stands next to the code.
    page.get_by_role("button", name="+ Nouvel article").click()
    dialog = page.get_by_role("dialog", name="Nouvel article")
    dialog.get_by_role("textbox", name="Code", exact=True).fill(f"joint {suffix.lower()}")
    dialog.get_by_label("Libellé").fill("Joint torique de couvercle de skimmer")
    dialog.get_by_label("Famille").select_option(label="Pièce détachée")
    dialog.get_by_role("textbox", name="Unité de vente", exact=True).fill("pièce")
    dialog.get_by_label("Prix d'achat HT (unité de stock)").fill("4,50")
    dialog.get_by_label("Prix de vente HT (unité de vente)").fill("9,90")
    dialog.get_by_label("Minimum par véhicule (unité de stock)").fill("5")
    dialog.get_by_label("Minimum au dépôt (unité de stock)").fill("30")
    dialog.get_by_label("Fournisseur").fill("Hayward Pool Europe")
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(dialog.locator('[data-error-for="code"]')).to_have_text("Format invalide")
    screenshot(page, "60-stock-article-error", full_page=False)
    assert admin.get("/stock/products", q=suffix)["items"] == []
    dialog.get_by_role("textbox", name="Code", exact=True).fill(code)
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(dialog).to_have_count(0)
    row = page.locator(f'[data-product="{code}"]')
    expect(row).to_contain_text("Joint torique de couvercle de skimmer")
    expect(row).to_contain_text("9,90")
    screenshot(page, "61-stock-catalogue")

    # A supplier receipt of 20 into the depot, then 3 transferred to the van.
    navigation.get_by_role("link", name="Niveaux de stock").click()
    expect(page.get_by_role("heading", level=1, name="Niveaux de stock")).to_be_visible()
    choose_location(page, "Emplacement", depot)
    article = f"{code} — Joint torique de couvercle de skimmer"
    page.get_by_label("Article").select_option(label=article)
    page.get_by_label("Quantité").fill("20")
    expect(page.get_by_label("Vers")).to_have_value(re.compile(".+"))
    page.get_by_label("N° de lot").fill("L2612-A")
    page.get_by_role("button", name="Enregistrer le mouvement").click()
    expect(page.locator(f'[data-level="{depot_code}/{code}"] [data-quantity]')).to_have_text("20")

    page.get_by_role("button", name="Transfert").click()
    page.get_by_label("Article").select_option(label=article)
    page.get_by_label("Quantité").fill("3")
    choose_location(page, "Vers", van)
    page.get_by_role("button", name="Enregistrer le mouvement").click()
    expect(page.locator(f'[data-level="{depot_code}/{code}"] [data-quantity]')).to_have_text("17")

    # The van holds 3, below its minimum of 5: 2 to load from the depot.
    choose_location(page, "Emplacement", van)
    level = page.locator(f'[data-level="{van_code}/{code}"]')
    expect(level.locator("[data-quantity]")).to_have_text("3")
    expect(level).to_contain_text("Sous le minimum")
    proposal = page.get_by_test_id("replenishment").locator("tr", has_text=code)
    expect(proposal.locator("td").nth(4)).to_have_text("2")
    settled(page)
    screenshot(page, "62-stock-levels")

    # Inventory of the van: 2 counted where 3 were expected.
    navigation.get_by_role("link", name="Inventaire").click()
    expect(page.get_by_role("heading", level=1, name="Inventaire")).to_be_visible()
    choose_location(page, "Emplacement compté", van)
    page.get_by_label(f"Compté : {code}").fill("2")
    page.get_by_role("button", name="Voir les écarts").click()
    expect(page.locator(f'[data-count="{code}"] [data-difference]')).to_have_text("-1")
    # Nothing is written before the validation.
    movements = admin.get("/stock/movements", product_id=product_id(admin, code))["items"]
    assert [m["movement"]["kind"] for m in movements] == ["transfer", "receipt"]
    screenshot(page, "63-stock-inventory-differences")
    page.get_by_role("button", name="Valider l'inventaire").click()
    outcome = page.get_by_test_id("inventory-outcome")
    expect(outcome).to_contain_text("Écrit")
    expect(page.locator(f'[data-count="{code}"] td').nth(2)).to_have_text("2")

    navigation.get_by_role("link", name="Niveaux de stock").click()
    choose_location(page, "Emplacement", van)
    expect(page.locator(f'[data-level="{van_code}/{code}"] [data-quantity]')).to_have_text("2")
    adjustments = [
        m
        for m in admin.get("/stock/movements", product_id=product_id(admin, code))["items"]
        if m["movement"]["kind"] == "adjustment"
    ]
    assert len(adjustments) == 1 and adjustments[0]["movement"]["quantity"] == "1"
    settled(page)
    screenshot(page, "64-stock-after-inventory")

    # Replenishment: the van back to its minimum of 5 (this new article has no consumption
    # history, so the technician's visits planned tomorrow by other tests add nothing), and 13
    # to buy from the supplier to bring the depot's 17 back to 30.
    (planned,) = [v for v in admin.get("/stock/loading")["items"] if v["location_code"] == van_code]
    navigation.get_by_role("link", name="Réapprovisionnement").click()
    expect(page.get_by_role("heading", level=1, name="Réapprovisionnement")).to_be_visible()
    van_loading = page.locator(f'[data-van="{van_code}"]')
    expect(van_loading).to_contain_text(f"{planned['visits']} visite(s)")
    expect(van_loading.locator("tr", has_text=code).locator("td").nth(5)).to_have_text("3")
    order = page.locator('[data-supplier="Hayward Pool Europe"]').locator("tr", has_text=code)
    expect(order.locator("td").nth(4)).to_have_text("13")
    expect(order.locator("td").nth(7)).to_contain_text("58,50")
    settled(page)
    screenshot(page, "65-stock-replenishment")

    # A part used on a visit from the van, then the reports: a period ending before it starts
    # is refused next to its end; today's consumption and the visit's margin (billed 9.90 at the
    # standard price, cost 4.50).
    visit = str(uuid.uuid4())
    consumed = admin.post(
        "/stock/movements",
        {
            "kind": "consumption",
            "product_id": product_id(admin, code),
            "quantity": "1",
            "unit": "pièce",
            "from_location_id": van_id,
            "intervention_id": visit,
        },
    )
    # The report's day is the consumption's Paris day (the test may cross midnight).
    consumed_on = (
        datetime.fromisoformat(consumed["recorded_at"]).astimezone(BUSINESS_TZ).date().isoformat()
    )
    navigation.get_by_role("link", name="Rapports de stock").click()
    expect(page.get_by_role("heading", level=1, name="Rapports de stock")).to_be_visible()
    page.get_by_label("Du").fill(consumed_on)
    page.get_by_label("Au").fill("2020-01-01")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator('[data-error-for="to_date"]')).to_be_visible()
    page.get_by_label("Au").fill(consumed_on)
    page.get_by_role("button", name="Afficher").click()
    used = page.get_by_test_id("consumption").locator("tr", has_text=code)
    expect(used).to_contain_text("1 pièce")
    expect(used.locator("td").last).to_contain_text("4,50")
    margin = page.get_by_test_id("margins").locator(
        "tr", has=page.locator(f'a[href="/interventions/{visit}"]')
    )
    expect(margin.locator("td").nth(2)).to_contain_text("9,90")
    expect(margin.locator("td").nth(4)).to_contain_text("5,40")
    settled(page)
    screenshot(page, "66-stock-reports")


def product_id(user: ApiUser, code: str) -> str:
    found = [
        p for p in user.get("/stock/products", q=code)["items"] if p["product"]["code"] == code
    ]
    assert len(found) == 1, found
    return str(found[0]["id"])
