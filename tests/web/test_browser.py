"""The web app in a real browser on the real local stack."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, Page, expect


def login(page: Page, user: ApiUser) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(user.password)
    page.get_by_role("button", name="Se connecter").click()
    if user.totp_secret:
        expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible()
        page.get_by_label("Code de vérification").fill(user.next_totp_code())
        page.get_by_role("button", name="Valider").click()


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

    page.get_by_role("button", name="Déconnexion").click()
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/connexion\?redirect=/clients"))


# -- the office sets up a customer and a contract, and plans a visit ------------------------------


@pytest.fixture(scope="module")
def flow() -> dict[str, Any]:
    """What the ordered tests of this module hand to each other."""
    return {}


def paris_today() -> str:
    return datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()


def wait_until(check: Callable[[], Any], timeout: float = 45.0, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout:.0f}s")
        time.sleep(every)


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
    dialog.get_by_label("Notes d'accès").fill("Local technique derrière le pool house, clé dans la boîte")
    dialog.get_by_label("Code portail").fill("4821B")
    dialog.get_by_role("button", name="Enregistrer le site").click()
    site = page.get_by_test_id("site")
    expect(site).to_contain_text("Piscine de la résidence")
    site.get_by_role("button", name="+ Installation").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Volume (m³)").fill("80")
    dialog.get_by_role("textbox", name="Nom", exact=True).fill("Bassin principal 12×5")
    dialog.get_by_role("button", name="Ajouter").click()
    expect(site).to_contain_text("Bassin principal 12×5")
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

    wait_until(visits_listed, timeout=60, every=2)
    expect(page.get_by_role("list", name=re.compile("Historique des prix"))).to_contain_text("189,00")
    screenshot(page, "07-contract-active")

    # Planning: today's visit is waiting; a wrong time is refused with its reason, then assigned.
    navigation.get_by_role("link", name="Planning").click()
    todo = page.get_by_test_id("unassigned").get_by_role("button", name=re.compile("Piscine de la résidence"))
    expect(todo.first).to_be_visible()
    today = paris_today()
    visit = office_visit_on(people.office, flow["contract_id"], today)
    flow["visit_id"] = visit["id"]
    page.locator(f'[data-testid="unassigned"] [data-intervention="{visit["id"]}"]').click()
    lane = page.locator(f'[data-technician="{people.technician_id}"]')
    lane.locator(f'[data-day="{today}"]').get_by_role("button", name=re.compile("Assigner à")).click()
    dialog = page.get_by_role("dialog", name="Assigner la visite")
    dialog.get_by_label("Heure d'arrivée").fill("06:30")
    dialog.get_by_role("button", name="Assigner").click()
    expect(dialog.get_by_test_id("assign-conflict")).to_contain_text("Affectation impossible")
    screenshot(page, "08-planning-conflict", full_page=False)
    dialog.get_by_label("Heure d'arrivée").fill("09:00")
    dialog.get_by_role("button", name="Assigner").click()
    expect(dialog).to_have_count(0)
    expect(lane.locator(f'[data-day="{today}"] [data-intervention="{visit["id"]}"]')).to_contain_text("09:00")
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
