"""The web app in a real browser on the real local stack."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aquaerp_runtime.clock import SYSTEM_CLOCK
from browser_steps import login, paris_today, wait_until
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, Page, Route, expect


def test_office_login_with_second_factor_role_navigation_and_logout(
    desktop: BrowserContext, people: People
) -> None:
    page = desktop.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    screenshot(page, "01-login")

    # A wrong password is refused with the server's message; nothing else happens.
    page.get_by_label("Adresse e-mail").fill(people.office.email)
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("E-mail ou mot de passe incorrect")

    # A wrong second-factor code is refused too.
    page.get_by_label("Mot de passe").fill(people.office.password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("alert")).to_contain_text("Code incorrect")
    screenshot(page, "02-login-second-factor")
    page.get_by_label("Code de vérification").fill(people.office.next_totp_code())
    page.get_by_role("button", name="Valider").click()

    expect(page).to_have_url(re.compile(r"/tableau-de-bord$"))
    expect(page.get_by_role("heading", name=re.compile("Bonjour Claire"))).to_be_visible()
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Clients")).to_be_visible()
    expect(navigation.get_by_role("link", name="Planning")).to_be_visible()
    # Office staff who are not administrators do not see user administration.
    expect(navigation.get_by_text("Utilisateurs")).to_have_count(0)
    screenshot(page, "03-dashboard")

    # An address they may not open sends them home.
    page.goto("/utilisateurs")
    expect(page).to_have_url(re.compile(r"/tableau-de-bord$"))

    # A rejected access token is refreshed silently and the request retried once.
    page.evaluate(
        """() => {
            const session = JSON.parse(localStorage.getItem('aquaerp.session'))
            session.tokens.accessToken = 'revoked'
            localStorage.setItem('aquaerp.session', JSON.stringify(session))
        }"""
    )
    statuses: list[tuple[str, int]] = []
    page.on("response", lambda r: statuses.append((r.url.split("/api/v1")[-1], r.status)))
    page.goto("/clients")
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)
    expect(page.locator(".alert--error")).to_have_count(0)
    assert ("/auth/refresh", 200) in statuses, statuses
    assert any(path.startswith("/customers") and status == 401 for path, status in statuses)
    assert any(path.startswith("/customers") and status == 200 for path, status in statuses)
    assert [path for path, _ in statuses].count("/auth/refresh") == 1

    page.get_by_role("button", name="Déconnexion").click()
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/connexion\?redirect=/clients"))


# -- the office sets up a customer and a contract, and plans a visit ------------------------------


@pytest.fixture(scope="module")
def flow() -> dict[str, Any]:
    """What the ordered tests of this module hand to each other."""
    return {}


def test_office_creates_customer_contract_activates_and_assigns_a_visit(
    desktop: BrowserContext, people: People, flow: dict[str, Any]
) -> None:
    page = desktop.new_page()
    login(page, people.office)
    navigation = page.get_by_role("navigation", name="Navigation principale")

    # Customer: local checks first, then the server's check of the VAT number, next to its field.
    navigation.get_by_role("link", name="Clients").click()
    page.get_by_role("button", name="+ Nouveau client").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Créer le client").click()
    expect(dialog.locator('[data-error-for="name"]')).to_have_text("Champ obligatoire")
    dialog.get_by_label("Professionnel").check()
    dialog.get_by_label("Raison sociale").fill("Résidence Les Oliviers")
    dialog.get_by_label("Forme juridique").fill("SCI")
    dialog.get_by_label("SIREN").fill("732 829 320")
    dialog.get_by_label("N° TVA intracommunautaire").fill("FR00732829320")
    dialog.get_by_role("textbox", name="Adresse", exact=True).fill("12 avenue des Pins")
    dialog.get_by_label("Code postal").fill("06600")
    dialog.get_by_label("Ville").fill("Antibes")
    dialog.get_by_label("Contact facturation").fill("Sophie Bernard")
    dialog.get_by_label("E-mail de facturation").fill("compta@oliviers.example")
    dialog.get_by_role("button", name="Créer le client").click()
    vat_error = dialog.locator('[data-error-for="vat_number"]')
    expect(vat_error).to_contain_text("N° de TVA français invalide")
    screenshot(page, "04-customer-form-server-error")
    dialog.get_by_label("N° TVA intracommunautaire").fill("FR44732829320")
    dialog.get_by_role("button", name="Créer le client").click()
    expect(page.get_by_role("heading", name="Résidence Les Oliviers")).to_be_visible()
    flow["customer_id"] = page.url.rsplit("/", 1)[-1]

    # Site with its access notes, and the pool.
    page.get_by_role("button", name="+ Ajouter un site").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Nom du site").fill("Piscine de la résidence")
    dialog.get_by_role("textbox", name="Adresse", exact=True).fill("12 avenue des Pins")
    dialog.get_by_label("Code postal").fill("06600")
    dialog.get_by_label("Ville").fill("Antibes")
    dialog.get_by_label("Latitude").fill("43,5808")
    dialog.get_by_label("Longitude").fill("7,1239")
    dialog.get_by_label("Notes d'accès").fill(
        "Local technique derrière le pool house, clé dans la boîte"
    )
    dialog.get_by_label("Code portail").fill("4821B")
    dialog.get_by_role("button", name="Enregistrer le site").click()
    site = page.get_by_test_id("site")
    expect(site).to_contain_text("Piscine de la résidence")
    site.get_by_role("button", name="+ Installation").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Volume (m³)").fill("80")
    dialog.get_by_role("textbox", name="Nom", exact=True).fill("Bassin principal 12x5")
    dialog.get_by_role("button", name="Ajouter").click()
    expect(site).to_contain_text("Bassin principal 12x5")
    screenshot(page, "05-customer")

    # Contract: one priced line and a daily maintenance plan starting today.
    page.get_by_role("link", name="+ Nouveau contrat").click()
    expect(page.get_by_test_id("contract-customer")).to_have_text("Résidence Les Oliviers")
    expect(page.get_by_label("Piscine de la résidence")).to_be_checked()
    page.get_by_label("Date de début").fill(paris_today())
    line = page.get_by_test_id("line-0")
    line.get_by_label("Libellé").fill("Entretien piscine (forfait mensuel)")
    line.get_by_label("Prix unitaire HT (€)").fill("189,00")
    plan = page.get_by_test_id("plan-0")
    plan.get_by_label("Libellé de la visite").fill("Entretien et analyse de l'eau")
    plan.get_by_label("Rythme").select_option(label="Tous les jours")
    plan.get_by_label("Compétence requise").fill("piscine")
    screenshot(page, "06-contract-form")
    page.get_by_role("button", name="Créer le contrat").click()
    expect(page.get_by_role("heading", name="Contrat (brouillon)")).to_be_visible()
    flow["contract_id"] = page.url.rsplit("/", 1)[-1]

    # Activation: the contract-activated workflow plans the visits.
    page.get_by_role("button", name="Activer le contrat").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Contrat \S+-"))).to_be_visible()
    expect(page.get_by_text("Actif", exact=True).first).to_be_visible()

    def visits_listed() -> bool:
        page.reload()
        return page.get_by_test_id("contract-visits").count() > 0

    try:
        wait_until(visits_listed, timeout=120, every=2)
    except AssertionError:
        runs = people.office.get(
            "/workflows/runs", aggregate_type="contract", aggregate_id=flow["contract_id"]
        )
        raise AssertionError(f"no visit planned; the contract's workflow runs: {runs}") from None
    expect(page.get_by_role("list", name=re.compile("Historique des prix"))).to_contain_text(
        "189,00"
    )
    screenshot(page, "07-contract-active")

    # Planning: today's visit is waiting; a wrong time is refused with its reason, then assigned.
    navigation.get_by_role("link", name="Planning").click()
    todo = page.get_by_test_id("unassigned").get_by_role(
        "button", name=re.compile("Piscine de la résidence")
    )
    expect(todo.first).to_be_visible()
    today = paris_today()
    visit = office_visit_on(people.office, flow["contract_id"], today)
    flow["visit_id"] = visit["id"]
    page.locator(f'[data-testid="unassigned"] [data-intervention="{visit["id"]}"]').click()
    lane = page.locator(f'[data-technician="{people.technician_id}"]')
    lane.locator(f'[data-day="{today}"]').get_by_role(
        "button", name=re.compile("Assigner à")
    ).click()
    dialog = page.get_by_role("dialog", name="Assigner la visite")
    dialog.get_by_label("Heure d'arrivée").fill("06:30")
    dialog.get_by_role("button", name="Assigner").click()
    expect(dialog.get_by_test_id("assign-conflict")).to_contain_text("Affectation impossible")
    screenshot(page, "08-planning-conflict", full_page=False)
    dialog.get_by_label("Heure d'arrivée").fill("09:00")
    dialog.get_by_role("button", name="Assigner").click()
    expect(dialog).to_have_count(0)
    expect(
        lane.locator(f'[data-day="{today}"] [data-intervention="{visit["id"]}"]')
    ).to_contain_text("09:00")
    assigned = people.office.get(f"/interventions/{visit['id']}")
    assert assigned["technician_id"] == people.technician_id
    assert assigned["scheduled_start"].startswith(today)

    # Automatic assignment: previewed on the board, then applied.
    page.get_by_role("button", name="Répartition automatique…").click()
    preview = page.get_by_test_id("auto-assign-preview")
    expect(preview).to_be_visible()
    screenshot(page, "09-planning-auto-assign-preview")
    proposed = page.get_by_test_id("proposed").count()
    if proposed:
        page.get_by_role("button", name="Appliquer la proposition").click()
        expect(preview).to_have_count(0)
    screenshot(page, "10-planning")


def office_visit_on(user: ApiUser, contract_id: str, day: str) -> dict[str, Any]:
    visits = user.get("/interventions", contract_id=contract_id, from_date=day, to_date=day)
    assert visits["items"], f"no visit of contract {contract_id} on {day}"
    return visits["items"][0]  # type: ignore[no-any-return]


# -- the technician does the visit on a phone ---------------------------------------------------------


def draw_signature(page: Page, test_id: str) -> None:
    canvas = page.get_by_test_id(test_id).locator("canvas")
    # Centred, clear of the bottom bars, as a thumb would have it.
    canvas.evaluate("element => element.scrollIntoView({ block: 'center' })")
    box = canvas.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.15, y + h * 0.6)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + w * (0.15 + step * 0.06), y + h * (0.6 - 0.3 * ((step % 3) - 1)))
    page.mouse.up()
    expect(canvas).to_have_attribute("data-signed", "yes")


CHLORE_CHOC = "CHOC-SEAU-5"


def catalogue_chlore_choc(admin: ApiUser) -> dict[str, Any]:
    """The catalogue item `fill_report` picks: 45,00 € excl. VAT a bucket, billable. Created
    once per stack, before the phone opens the day (the catalogue goes on the phone then)."""
    found = [
        p
        for p in admin.get("/stock/products", q=CHLORE_CHOC)["items"]
        if p["product"]["code"] == CHLORE_CHOC
    ]
    if found:
        return found[0]  # type: ignore[no-any-return]
    return admin.post(  # type: ignore[no-any-return]
        "/stock/products",
        {
            "code": CHLORE_CHOC,
            "label": "Chlore choc 5 kg",
            "family": "chemical",
            "unit_of_sale": "seau",
            "standard_price_cents": 4500,
        },
    )


def fill_report(page: Page) -> None:
    page.get_by_role("textbox", name="pH", exact=True).fill("7,9")
    page.get_by_role("textbox", name="Chlore libre").fill("1,5")
    page.get_by_role("textbox", name="Chlore total").fill("1,8")
    page.get_by_role("textbox", name="TAC").fill("110")
    page.get_by_role("textbox", name="Température").fill("24,5")
    page.get_by_role("textbox", name="Sel").click()  # leaves the last field
    # Out of the recommended range: a warning, not an error.
    expect(page.locator('[data-warning-for="measurements.ph"]')).to_contain_text(
        "7,9 au-dessus de la plage recommandée (7 à 7,6)"
    )
    page.get_by_role("button", name="+ Brossage des parois et de la ligne d'eau").click()
    page.get_by_role("button", name="+ Lavage du filtre (contre-lavage)").click()
    # The part comes from the catalogue (see `catalogue_chlore_choc`): its price is shown, not typed.
    page.get_by_role("searchbox", name=re.compile("Chercher au catalogue")).fill(CHLORE_CHOC)
    page.locator(f'[data-product="{CHLORE_CHOC}"]').click()
    part = page.locator(f'[data-part="{CHLORE_CHOC}"]')
    part.get_by_role("textbox", name="Qté").fill("1")
    expect(part.get_by_test_id("catalogue-price")).to_contain_text("45,00")
    part.get_by_label("Facturable").check()
    page.get_by_role("textbox", name="Remarques pour le client").fill(
        "pH un peu haut : correcteur ajouté."
    )


def sign(page: Page) -> None:
    page.get_by_role("textbox", name="Nom du client").fill("Sophie Bernard")
    draw_signature(page, "customer-signature")
    draw_signature(page, "technician-signature")


def test_technician_on_a_phone_completes_the_visit(
    phone: BrowserContext, people: People, admin: ApiUser, flow: dict[str, Any]
) -> None:
    assert "visit_id" in flow, "needs the visit assigned by the office test"
    visit_id = flow["visit_id"]
    catalogue_chlore_choc(admin)
    page = phone.new_page()
    login(page, people.technician)
    expect(page).to_have_url(re.compile(r"/tech$"))
    stop = page.get_by_test_id(f"stop-{visit_id}")
    expect(stop).to_contain_text("Piscine de la résidence")
    expect(stop).to_contain_text("12 avenue des Pins, 06600 Antibes")
    expect(stop).to_contain_text("Local technique derrière le pool house")
    directions = stop.get_by_role("link", name="Itinéraire")
    expect(directions).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/dir/\?api=1&destination=43\.5808")
    )
    expect(stop.get_by_role("link", name="Autre appli")).to_have_attribute(
        "href", re.compile(r"^geo:43\.5808,7\.1239")
    )
    screenshot(page, "11-technician-day")

    stop.get_by_role("link", name=re.compile("Piscine de la résidence")).click()
    expect(page.get_by_text("4821B")).to_be_visible()
    page.get_by_role("button", name="Démarrer l'intervention").click()
    expect(page.get_by_role("heading", name="Mesures de l'eau")).to_be_visible()

    # A physically impossible value is refused before anything is sent.
    page.get_by_role("textbox", name="pH", exact=True).fill("15")
    page.get_by_role("textbox", name="Chlore libre").click()
    expect(page.locator('[data-error-for="measurements.ph"]')).to_contain_text("Entre 0 et 14")
    fill_report(page)
    page.get_by_role("heading", name="Mesures de l'eau").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -70)")
    screenshot(page, "12-technician-measurements", full_page=False)

    # Completing without signatures is refused next to the pads.
    page.get_by_role("button", name="Terminer l'intervention").click()
    expect(page.locator('[data-error-for="customer_signature.png_base64"]')).to_be_visible()
    sign(page)
    screenshot(page, "13-technician-signatures", full_page=False)
    page.get_by_role("button", name="Terminer l'intervention").click()
    expect(page.get_by_test_id("completed-notice")).to_be_visible(timeout=30_000)
    screenshot(page, "14-technician-completed", full_page=False)

    done = people.office.get(f"/interventions/{visit_id}")
    assert done["status"] == "completed"
    report = done["report"]
    assert report["measurements"]["ph"] == 7.9
    assert report["measurements"]["temperature_c"] == 24.5
    assert any(w["field"] == "ph" for w in report["warnings"])
    assert report["parts"][0]["description"] == "Chlore choc 5 kg"
    assert report["parts"][0]["unit_price_cents"] == 4500 and report["parts"][0]["billable"]
    assert report["customer_signature"]["signer_name"] == "Sophie Bernard"
    assert report["technician_signature"]["signer_name"] == people.technician_name
    assert report["pdf_available"]
    flow["completed"] = True


# -- back at the office: the report, the invoice, its PDF, the payment ------------------------------


def download_bytes(page: Page, click: Callable[[], None]) -> tuple[str, bytes]:
    with page.expect_download() as info:
        click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_office_sees_report_and_invoice_downloads_pdf_and_records_payment(
    desktop: BrowserContext, people: People, flow: dict[str, Any]
) -> None:
    assert flow.get("completed"), "needs the visit completed by the technician test"
    visit_id = flow["visit_id"]
    page = desktop.new_page()
    login(page, people.office)
    page.goto(f"/interventions/{visit_id}")
    report = page.get_by_test_id("report")
    expect(page.get_by_test_id("intervention-status")).to_have_text("Terminée")
    expect(report.locator('[data-measure="ph"]')).to_contain_text("7,9")
    expect(report.locator('[data-measure="ph"]')).to_contain_text(
        "au-dessus de la plage recommandée"
    )
    expect(report).to_contain_text("Chlore choc 5 kg")
    expect(report).to_contain_text("Lavage du filtre (contre-lavage)")
    expect(report.get_by_role("img", name="Signature de Sophie Bernard")).to_be_visible()
    name, content = download_bytes(
        page, lambda: report.get_by_role("button", name="Télécharger le PDF").click()
    )
    assert content.startswith(b"%PDF-") and name.endswith(".pdf")
    screenshot(page, "15-office-intervention-report")

    # The billable part was invoiced by the intervention-completed workflow, as a draft that
    # waits in the review queue.
    def invoice_listed() -> bool:
        page.reload()
        listed = page.get_by_test_id("intervention-invoices")
        # The block loads after the page: wait for its answer, either way, before counting.
        expect(listed.or_(page.get_by_text("Aucune facture"))).to_be_visible(timeout=20_000)
        return listed.count() > 0

    try:
        wait_until(invoice_listed, timeout=90, every=3)
    except AssertionError:
        runs = people.office.get(
            "/workflows/runs", aggregate_type="intervention", aggregate_id=visit_id
        )
        invoices = people.office.get("/invoices", customer_id=flow["customer_id"])
        raise AssertionError(
            f"no invoice for intervention {visit_id}; its workflow runs: {runs}; "
            f"the customer's invoices: {invoices}"
        ) from None
    link = page.get_by_test_id("intervention-invoices").get_by_role("link").first
    expect(link).to_have_text("Brouillon")
    invoice_id = (link.get_attribute("href") or "").rsplit("/", 1)[-1]
    draft = people.office.get(f"/invoices/{invoice_id}")
    assert (draft["status"], draft["number"], draft["intervention_id"]) == ("draft", "", visit_id)

    # Issued from the "À valider" queue, through the app's own confirmation dialog.
    page.goto("/factures/a-valider")
    row = page.locator(f'[data-invoice="{invoice_id}"]')
    expect(row).to_contain_text("45,00")
    screenshot(page, "16a-review-queue")
    row.get_by_role("button", name="Émettre").click()
    confirm = page.get_by_role("dialog", name="Émettre la facture")
    expect(confirm).to_contain_text("envoyée au client par e-mail")
    confirm.get_by_role("button", name="Émettre").click()
    expect(page.get_by_text(re.compile(r"Facture FA-\d{4}-\d{6} émise"))).to_be_visible()
    expect(row).to_have_count(0)

    page.goto(f"/interventions/{visit_id}")
    page.get_by_test_id("intervention-invoices").get_by_role("link").first.click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Émise")
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Facture ").strip()
    assert page.url.rsplit("/", 1)[-1] == invoice_id
    invoice = people.office.get(f"/invoices/{invoice_id}")
    assert invoice["intervention_id"] == visit_id and invoice["number"] == number
    assert invoice["total_excluding_vat_cents"] == 4500
    total = invoice["total_including_vat_cents"]

    page.get_by_role("button", name="Aperçu PDF").click()
    expect(page.get_by_test_id("pdf-preview")).to_be_visible()
    name, content = download_bytes(
        page, lambda: page.get_by_role("button", name="Télécharger le PDF").click()
    )
    assert content.startswith(b"%PDF-") and name == f"{number}.pdf"
    screenshot(page, "16-invoice-issued")

    # A payment of the whole amount settles it.
    page.get_by_role("button", name="Enregistrer un paiement").click()
    dialog = page.get_by_role("dialog", name="Enregistrer un paiement")
    dialog.get_by_label("Montant (€)").fill("0")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(dialog.locator('[data-error-for="amount.amount_cents"]')).to_have_text(
        "Montant positif attendu"
    )
    dialog.get_by_label("Montant (€)").fill(f"{total // 100},{total % 100:02d}")
    dialog.get_by_label("Mode").select_option("cheque")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Payée")
    expect(page.get_by_test_id("invoice-due")).to_have_text(re.compile(r"^0,00\s€$"))
    expect(page.get_by_test_id("payments")).to_contain_text("Chèque")
    expect(page.get_by_test_id("outstanding")).to_have_text(re.compile(r"^0,00\s€$"))
    paid = people.office.get(f"/invoices/{invoice_id}")
    assert paid["status"] == "paid" and paid["amount_due_cents"] == 0
    payments = people.office.get("/payments", invoice_id=invoice_id)["items"]
    assert [p["amount_cents"] for p in payments] == [total]
    screenshot(page, "17-invoice-paid")


# -- offline: the report is kept on the phone and arrives exactly once ----------------------------------


def visit_for_technician_today(people: People, admin: ApiUser, start: str) -> dict[str, Any]:
    """A customer with a daily maintenance contract, activated; today's visit assigned to the
    technician at `start` (Paris time)."""
    office = people.office
    customer = office.post(
        "/customers",
        {
            "type": "private",
            "name": "Famille Rossi",
            "billing_address": {
                "lines": ["3 chemin des Vignes"],
                "postal_code": "06410",
                "city": "Biot",
            },
            "billing_email": "rossi@example.fr",
            "billing_contact_name": "Marco Rossi",
        },
    )
    site = office.post(
        f"/customers/{customer['id']}/sites",
        {
            "name": "Villa Rossi",
            "address": {"lines": ["3 chemin des Vignes"], "postal_code": "06410", "city": "Biot"},
            "geo": {"latitude": 43.6276, "longitude": 7.0969},
            "access_notes": "Sonner au portail",
        },
    )
    today = paris_today()
    contract = office.post(
        "/contracts",
        {
            "customer_id": customer["id"],
            "site_ids": [site["id"]],
            "billing_frequency": "monthly",
            "billing_timing": "in_advance",
            "start_date": today,
            "lines": [
                {
                    "product_code": "ENTRETIEN",
                    "label": "Entretien piscine",
                    "unit_price": {"amount_cents": 9900, "currency": "EUR"},
                    "vat_rate": "20",
                    "site_id": site["id"],
                }
            ],
            "plans": [
                {
                    "site_id": site["id"],
                    "label": "Entretien hebdomadaire",
                    "rrule": "FREQ=DAILY",
                    "time_window": {"start": "08:00", "end": "18:00"},
                    "duration_minutes": 45,
                }
            ],
        },
    )
    office.post(f"/contracts/{contract['id']}/activate")
    visit = wait_until(
        lambda: office.get(
            "/interventions", contract_id=contract["id"], from_date=today, to_date=today
        )["items"],
        timeout=60,
    )[0]
    offset = SYSTEM_CLOCK.local_now().strftime("%z")
    office.post(
        f"/interventions/{visit['id']}/assign",
        {
            "technician_id": people.technician_id,
            "scheduled_start": f"{today}T{start}:00{offset[:3]}:{offset[3:]}",
        },
    )
    return visit  # type: ignore[no-any-return]


def test_report_completed_offline_is_sent_once_when_the_network_returns(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    visit = visit_for_technician_today(people, admin, "14:00")
    visit_id = visit["id"]
    catalogue_chlore_choc(admin)
    page = phone.new_page()
    login(page, people.technician)
    page.goto(f"/tech/visite/{visit_id}")
    page.get_by_role("button", name="Démarrer l'intervention").click()
    expect(page.get_by_role("heading", name="Mesures de l'eau")).to_be_visible()
    fill_report(page)
    sign(page)

    # The network goes while the technician completes: the report stays on the phone.
    phone.set_offline(True)
    expect(page.get_by_test_id("network-state")).to_have_text("Hors ligne")
    page.get_by_role("button", name="Terminer l'intervention").click()
    expect(page.get_by_test_id("queued-notice")).to_be_visible()
    expect(page.get_by_test_id("outbox-count")).to_have_text("1")
    screenshot(page, "18-technician-offline-queued", full_page=False)
    assert people.office.get(f"/interventions/{visit_id}")["status"] == "in_progress"
    queued = json.loads(page.evaluate("localStorage.getItem('aquaerp.report-outbox.v1')"))
    completed_at = queued["items"][0]["steps"][-1]["body"]["completed_at"]
    # The tab is closed before the network returns: nothing is lost.
    page.close()

    # The network returns, but the answer to the first completion is lost on the way back: the
    # server did complete it; the phone retries with the same Idempotency-Key and gets the
    # stored answer instead of a second completion.
    completions: list[tuple[int, str | None]] = []

    def lose_first_answer(route: Route) -> None:
        response = route.fetch()
        completions.append((response.status, response.headers.get("idempotent-replayed")))
        if len(completions) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    phone.route(f"**/api/v1/interventions/{visit_id}/complete", lose_first_answer)
    phone.set_offline(False)
    page = phone.new_page()
    page.goto("/tech")
    stop = page.get_by_test_id(f"stop-{visit_id}")
    expect(stop).to_be_visible()

    def delivered() -> bool:
        return not page.get_by_test_id("outbox-count").is_visible()

    wait_until(delivered, timeout=60, every=1)
    page.reload()
    expect(page.get_by_test_id(f"stop-{visit_id}")).to_contain_text("Terminée")
    screenshot(page, "19-technician-sent", full_page=False)

    assert completions[0] == (200, None), completions
    assert len(completions) >= 2 and all(c == (200, "true") for c in completions[1:]), completions
    done = people.office.get(f"/interventions/{visit_id}")
    assert done["status"] == "completed"
    assert datetime.fromisoformat(done["completed_at"]) == datetime.fromisoformat(completed_at)
    assert done["report"]["measurements"]["ph"] == 7.9

    # One completion event: the workflows it triggers ran for one event id.
    def completion_runs() -> list[dict[str, Any]]:
        runs = people.office.get(
            "/workflows/runs", aggregate_type="intervention", aggregate_id=visit_id
        )
        return [
            r for r in runs["items"] if r.get("event_type") == "intervention.intervention.completed"
        ]

    runs = wait_until(completion_runs, timeout=60)
    assert len({r["event_id"] for r in runs}) == 1, runs
