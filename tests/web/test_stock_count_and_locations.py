"""Stock in a real browser on the real local stack: the technician counts their own van on the
phone (one item by its barcode typed in, scanned twice, one found by a word of its label and
counted in its unit of sale), a wrong quantity refused next to its line with nothing written,
then validated: the van's levels and the adjustment movements follow. Another place is not the
technician's to count (403). For the office, the warehouses and vans screen: each van with its
technician, a warehouse and a van for a technician created, refusals next to their fields; and
the margin per contract of a completed visit in the stock reports."""

from __future__ import annotations

import base64
import random
import struct
import uuid
import zlib
from datetime import datetime

from aquaerp_runtime.clock import BUSINESS_TZ, SYSTEM_CLOCK
from browser_steps import login, settled, wait_until
from conftest import People, create_user, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect
from test_browser import visit_for_technician_today
from test_stock import technician_van


def level(admin: ApiUser, location_id: str, product_id: str) -> str:
    found = admin.get("/stock/on-hand", location_id=location_id, product_id=product_id)["items"]
    return str(found[0]["quantity"]) if found else "0"


def movements(admin: ApiUser, product_id: str) -> list[dict[str, str]]:
    return [m["movement"] for m in admin.get("/stock/movements", product_id=product_id)["items"]]


def test_technician_counts_their_van_on_the_phone(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    ean = "".join(random.choice("0123456789") for _ in range(13))
    cartridge = admin.post(
        "/stock/products",
        {
            "code": f"CART-{suffix}",
            "label": f"Cartouche de filtre {suffix}",
            "family": "part",
            "unit_of_sale": "pièce",
            "ean": ean,
            "standard_price_cents": 4990,
        },
    )
    shock = admin.post(
        "/stock/products",
        {
            "code": f"CHOC-{suffix}",
            "label": f"Oxygène actif choc {suffix}",
            "family": "chemical",
            "unit_of_sale": "kg",
            "unit_of_stock": "seau 5 kg",
            "sale_units_per_stock_unit": "5",
            "standard_price_cents": 1450,
        },
    )
    van_id, van_code, _ = technician_van(admin, people)
    depot_id = admin.post(
        "/stock/locations",
        {"code": f"DEPOT-C{suffix}", "name": "Dépôt Grasse", "kind": "warehouse"},
    )["id"]
    for product, quantity, unit in ((cartridge, "4", "pièce"), (shock, "3", "seau 5 kg")):
        for place in (van_id, depot_id):
            admin.post(
                "/stock/movements",
                {
                    "kind": "receipt",
                    "product_id": product["id"],
                    "quantity": quantity,
                    "unit": unit,
                    "to_location_id": place,
                },
            )

    page = phone.new_page()
    login(page, people.technician)
    page.get_by_role("navigation", name="Navigation technicien").get_by_role(
        "link", name="Inventaire du véhicule"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Inventaire du véhicule")).to_be_visible()
    expect(page.get_by_test_id("counted-van")).to_contain_text(van_code)

    # The barcode typed (or pasted) as a scanner would give it: a wrong one is refused next to
    # the field; the right one counts one cartridge, and a second scan one more.
    barcode = page.get_by_label("Code-barres (EAN)")
    barcode.fill("12345")
    page.get_by_role("button", name="Ajouter le code").click()
    expect(page.locator('[data-error-for="ean"]')).to_have_text("Un code EAN a 13 chiffres.")
    for _ in range(2):
        barcode.fill(ean)
        page.get_by_role("button", name="Ajouter le code").click()
    counted_cartridge = page.locator(f'[data-count-line="CART-{suffix}"]')
    expect(counted_cartridge.locator("[data-expected]")).to_have_text("4")
    expect(counted_cartridge.get_by_label(f"Compté : CART-{suffix}")).to_have_value("2")
    counted_cartridge.get_by_label(f"Compté : CART-{suffix}").fill("3")
    expect(counted_cartridge.locator("[data-difference]")).to_have_text("-1")

    # The shock product found by a word of its label, counted in kg (its unit of sale).
    page.get_by_label("Chercher (code, désignation, EAN)").fill(f"choc {suffix.lower()}")
    page.locator(f'[data-product="CHOC-{suffix}"]').click()
    counted_shock = page.locator(f'[data-count-line="CHOC-{suffix}"]')
    expect(counted_shock.locator("[data-expected]")).to_have_text("3")
    counted_shock.get_by_label("Unité").select_option("kg")
    counted_shock.get_by_label(f"Compté : CHOC-{suffix}").fill("douze")
    page.get_by_role("button", name="Valider", exact=True).click()
    expect(counted_shock.locator(".field__error")).to_have_text("Quantité invalide (ex. 2 ou 2,5).")
    expect(
        page.get_by_role("alert").filter(has_text="Certaines quantités sont à corriger.")
    ).to_be_visible()
    # Nothing written yet.
    assert [m["kind"] for m in movements(admin, shock["id"])] == ["receipt", "receipt"]
    counted_shock.get_by_label(f"Compté : CHOC-{suffix}").fill("12,5")
    expect(counted_shock.locator("[data-difference]")).to_have_text("-0,5")
    settled(page)
    screenshot(page, "25-technician-van-count", full_page=False)

    page.get_by_role("button", name="Valider", exact=True).click()
    outcome = page.get_by_test_id("count-outcome")
    expect(outcome).to_contain_text("Inventaire validé")
    expect(outcome.locator(f'[data-outcome="{cartridge["id"]}"]')).to_contain_text(
        "attendu 4, compté 3 — ajustement écrit"
    )
    expect(outcome.locator(f'[data-outcome="{shock["id"]}"]')).to_contain_text(
        "attendu 3, compté 2,5 — ajustement écrit"
    )
    screenshot(page, "26-technician-van-count-validated", full_page=False)

    # The van's levels and the adjustments out of it; the depot is untouched.
    assert level(admin, van_id, cartridge["id"]) == "3"
    assert level(admin, van_id, shock["id"]) == "2.5"
    for product, quantity in ((cartridge, "1"), (shock, "0.5")):
        (adjustment,) = [m for m in movements(admin, product["id"]) if m["kind"] == "adjustment"]
        assert adjustment["quantity"] == quantity
        assert adjustment.get("from_location_id") == van_id
        assert not adjustment.get("to_location_id")
        assert adjustment["reason"].startswith("Inventaire ")
    assert level(admin, depot_id, cartridge["id"]) == "4"

    # A warehouse is not the technician's to count: forbidden, nothing changes.
    refused = people.technician.request(
        "POST",
        f"/stock/locations/{depot_id}/inventory-counts",
        json={"items": [{"product_id": cartridge["id"], "counted": "0", "unit": "pièce"}]},
    )
    assert refused.status_code == 403, refused.text
    assert "location_id" in refused.json().get("errors", {})
    assert level(admin, depot_id, cartridge["id"]) == "4"


def test_office_lists_and_creates_warehouses_and_vans(
    desktop: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    _, marc_van, _ = technician_van(admin, people)
    # A technician with no van yet (kept inactive so that no other test's visit goes to them).
    name = f"Julie Garnier {suffix}"
    julie_user = create_user(admin, f"julie.{suffix.lower()}@web-tests.fr", name, ["technicien"])
    julie = admin.post(
        "/technicians",
        {
            "user_id": julie_user.get("/auth/me")["id"],
            "display_name": name,
            "skills": ["spa"],
            "working_hours": [{"weekday": 1, "start": "08:00", "end": "09:00"}],
            "home_base": {"latitude": 43.7031, "longitude": 7.2661},
        },
    )
    answer = admin.request("PATCH", f"/technicians/{julie['id']}", json={"active": False})
    assert answer.status_code == 200, answer.text

    page = desktop.new_page()
    login(page, people.office)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Dépôts et véhicules").click()
    expect(page.get_by_role("heading", level=1, name="Dépôts et véhicules")).to_be_visible()
    expect(page.locator(f'[data-location="{marc_van}"] [data-technician]')).to_have_text(
        people.technician_name
    )

    # A warehouse: the required fields first, then a code already taken, refused by the server
    # next to the code.
    create = page.get_by_role("button", name="Créer l'emplacement")
    create.click()
    expect(page.locator('[data-error-for="code"]')).to_have_text("Champ obligatoire")
    expect(page.locator('[data-error-for="name"]')).to_have_text("Champ obligatoire")
    depot_code = f"DEPOT-N{suffix}"
    page.get_by_role("textbox", name="Code", exact=True).fill(depot_code)
    page.get_by_role("textbox", name="Nom", exact=True).fill(f"Dépôt Nice {suffix}")
    create.click()
    expect(page.locator(f'[data-location="{depot_code}"]')).to_contain_text(f"Dépôt Nice {suffix}")
    page.get_by_role("textbox", name="Code", exact=True).fill(depot_code)
    page.get_by_role("textbox", name="Nom", exact=True).fill("Dépôt en double")
    create.click()
    expect(page.locator('[data-error-for="code"]')).to_have_text("code déjà utilisé")
    places = admin.get("/stock/locations")["items"]
    assert [p["location"]["name"] for p in places if p["location"]["code"] == depot_code] == [
        f"Dépôt Nice {suffix}"
    ]

    # A van: its technician is required; Marc, who has one, is not offered; a lower-case code
    # is refused by the server next to the code.
    page.get_by_role("combobox", name="Type", exact=True).select_option(
        label="Véhicule d'un technicien"
    )
    page.get_by_role("textbox", name="Code", exact=True).fill("")
    page.get_by_role("textbox", name="Nom", exact=True).fill("")
    create.click()
    expect(page.locator('[data-error-for="technician_id"]')).to_have_text("Champ obligatoire")
    technician = page.get_by_role("combobox", name="Technicien", exact=True)
    expect(technician.locator("option", has_text=people.technician_name)).to_have_count(0)
    technician.select_option(label=f"{name} (inactif)")
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value(f"Véhicule {name}")
    page.get_by_role("textbox", name="Code", exact=True).fill(f"van-{suffix.lower()}")
    create.click()
    expect(page.locator('[data-error-for="code"]')).to_have_text("Format invalide")
    van_code = f"VAN-J{suffix}"
    page.get_by_role("textbox", name="Code", exact=True).fill(van_code)
    create.click()
    row = page.locator(f'[data-location="{van_code}"]')
    expect(row.locator("[data-technician]")).to_have_text(name)
    expect(row).to_contain_text("Véhicule")
    (van,) = [
        p for p in admin.get("/stock/locations")["items"] if p["location"]["code"] == van_code
    ]
    assert van["location"]["kind"] == "van"
    assert van["location"]["technician_id"] == julie["id"]
    assert van["location"]["technician_user_id"] == julie["user_id"]
    settled(page)
    screenshot(page, "67-stock-locations")


def test_margin_per_contract_of_a_completed_visit_in_the_reports(
    desktop: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    seal = admin.post(
        "/stock/products",
        {
            "code": f"JNT-M{suffix}",
            "label": f"Joint de pompe {suffix}",
            "family": "part",
            "unit_of_sale": "pièce",
            "purchase_price_cents": 800,
            "standard_price_cents": 2000,
        },
    )
    van_id, _, _ = technician_van(admin, people)
    admin.post(
        "/stock/movements",
        {
            "kind": "receipt",
            "product_id": seal["id"],
            "quantity": "5",
            "unit": "pièce",
            "to_location_id": van_id,
            "unit_cost_cents": 800,
        },
    )
    # Marc's 11:00 visit on its contract, done through the API: two seals used.
    visit = visit_for_technician_today(people, admin, "11:00")
    marc = people.technician
    for method, path, body in (
        ("POST", "start", {}),
        (
            "PUT",
            "report",
            {
                "parts": [
                    {
                        "description": seal["product"]["label"],
                        "product_id": seal["id"],
                        "quantity": "2",
                        "unit": "pièce",
                        "billable": True,
                    }
                ]
            },
        ),
        (
            "POST",
            "complete",
            {
                "customer_absent": True,
                "customer_absence_reason": "Propriétaires absents",
                "technician_signature": {
                    "signer_name": people.technician_name,
                    "signed_at": SYSTEM_CLOCK.now().isoformat(),
                    "png_base64": signature_png(),
                },
            },
        ),
    ):
        answer = marc.request(method, f"/interventions/{visit['id']}/{path}", json=body)
        assert answer.status_code == 200, answer.text
    # The completion's workflow debits the van; the report's day is the consumption's Paris day.
    (used,) = wait_until(
        lambda: admin.get("/stock/movements", intervention_id=visit["id"])["items"], timeout=60
    )
    day = datetime.fromisoformat(used["recorded_at"]).astimezone(BUSINESS_TZ).date().isoformat()
    contract = people.office.get(f"/contracts/{visit['contract_id']}")

    page = desktop.new_page()
    login(page, people.office)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Rapports de stock"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Rapports de stock")).to_be_visible()
    page.get_by_label("Du").fill(day)
    page.get_by_label("Au").fill(day)
    page.get_by_role("button", name="Afficher").click()
    # Billed 2 x 20.00, cost 2 x 8.00: margin 24.00, 150 % of the cost.
    row = page.get_by_test_id("contract-margins").locator(
        f'[data-contract="{visit["contract_id"]}"]'
    )
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(contract["number"])
    expect(cells.nth(1)).to_have_text(contract["customer_name"])
    expect(cells.nth(2)).to_have_text("1")
    expect(cells.nth(3)).to_contain_text("40,00")
    expect(cells.nth(4)).to_contain_text("16,00")
    expect(cells.nth(5)).to_contain_text("24,00")
    expect(cells.nth(6)).to_have_text("150,0 %")
    settled(page)
    screenshot(page, "68-stock-margin-per-contract")


def signature_png() -> str:
    """A small white PNG, as the signature pad draws."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 32, 10, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * 32 for _ in range(10)))
    png = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode()
