"""The office in a real browser on the real local stack: administration, every office screen,
and a contract's life cycle with a breakdown call and a credit note."""

from __future__ import annotations

import re
from typing import Any

from aquaerp_runtime.clock import SYSTEM_CLOCK
from browser_steps import login, paris_today, settled
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect

# -- administration, and every office screen against the real services --------------------------------

OFFICE_SCREENS = [
    ("/tableau-de-bord", "Bonjour", "20-dashboard"),
    ("/clients", "Clients", "21-customers"),
    ("/contrats", "Contrats", "22-contracts"),
    ("/interventions", "Interventions", "23-interventions"),
    ("/interventions/nouvelle", "Nouveau dépannage", "24-corrective-intake"),
    ("/techniciens", "Techniciens", "25-technicians"),
    ("/factures", "Factures", "26-invoices"),
    ("/relances", "Relances", "27-dunning"),
    ("/balance", "Balance âgée", "28-aging"),
    ("/emails", "E-mails", "29-emails"),
    ("/workflows", "Workflows", "30-workflows"),
    ("/compte", "Mon compte", "31-account"),
]


def test_admin_manages_users_and_every_office_screen_loads(
    desktop: BrowserContext, people: People, admin: ApiUser
) -> None:
    page = desktop.new_page()
    login(page, admin)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Utilisateurs").click()
    expect(page.locator(f'[data-user="{people.technician.email}"]')).to_contain_text("Technicien")

    # The server refuses an email already in use: its message stands next to the email field.
    page.get_by_role("button", name="+ Nouvel utilisateur").click()
    dialog = page.get_by_role("dialog", name="Nouvel utilisateur")
    # No role is ticked for the administrator: one must be chosen.
    for role in ("Administrateur", "Bureau", "Comptabilité", "Technicien", "Client"):
        expect(dialog.get_by_label(role, exact=True)).not_to_be_checked()
    dialog.get_by_label("E-mail").fill(people.office.email)
    dialog.get_by_label("Nom affiché").fill("Brouillon de saisie")
    dialog.get_by_label("Mot de passe initial").fill("Filtre-à-sable-2026")
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(dialog.locator('[data-error-for="roles"]').first).to_be_visible()
    # Closed and opened again: the dialog starts empty.
    dialog.get_by_role("button", name="Fermer").click()
    page.get_by_role("button", name="+ Nouvel utilisateur").click()
    expect(dialog.get_by_label("Nom affiché")).to_have_value("")
    expect(dialog.get_by_label("E-mail")).to_have_value("")
    dialog.get_by_label("E-mail").fill(people.office.email)
    dialog.get_by_label("Mot de passe initial").fill("Filtre-à-sable-2026")
    dialog.get_by_label("Comptabilité", exact=True).check()
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(dialog.locator('[data-error-for="email"]')).to_have_text("Déjà utilisé")
    screenshot(page, "32-users-duplicate-email", full_page=False)
    dialog.get_by_label("E-mail").fill("lucie.compta@web-tests.fr")
    dialog.get_by_label("Nom affiché").fill("Lucie Garnier")
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(page.locator('[data-user="lucie.compta@web-tests.fr"]')).to_contain_text("Comptabilité")
    created = admin.get("/users", q="lucie.compta")["items"]
    assert [u["roles"] for u in created] == [["compta"]]
    screenshot(page, "33-users")

    for path, heading, name in OFFICE_SCREENS:
        page.goto(path)
        expect(page.get_by_role("heading", level=1, name=re.compile(heading))).to_be_visible()
        settled(page)
        screenshot(page, name)

    # Billing: a dry run previews what the contracts would invoice, nothing is issued.
    before = admin.get("/invoices", source="billing_run")["items"]
    page.goto("/facturation")
    page.get_by_role("button", name="Aperçu de la facturation").click()
    run = page.get_by_test_id("billing-run")
    expect(run).to_contain_text("Aperçu")
    expect(run.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    settled(page)
    screenshot(page, "34-billing-run-preview")
    assert admin.get("/invoices", source="billing_run")["items"] == before

    # The planning of the week, as the office sees it.
    page.goto("/planning")
    settled(page)
    screenshot(page, "35-planning-week")


# -- contract life cycle, a breakdown call, a manual invoice and its credit note --------------------


def active_contract(office: ApiUser, name: str, end_date: str) -> dict[str, Any]:
    customer = office.post(
        "/customers",
        {
            "type": "business",
            "name": name,
            "legal_form": "SAS",
            "siren": "552100554",
            "billing_address": {
                "lines": ["Route de la Mer"],
                "postal_code": "83990",
                "city": "Saint-Tropez",
            },
            "billing_contact_name": "Service comptable",
            "billing_email": "compta@camping.example",
        },
    )
    site = office.post(
        f"/customers/{customer['id']}/sites",
        {
            "name": "Piscine du camping",
            "address": {
                "lines": ["Route de la Mer"],
                "postal_code": "83990",
                "city": "Saint-Tropez",
            },
        },
    )
    contract = office.post(
        "/contracts",
        {
            "customer_id": customer["id"],
            "site_ids": [site["id"]],
            "billing_frequency": "quarterly",
            "billing_timing": "in_advance",
            "start_date": paris_today(),
            "end_date": end_date,
            "sla_hours": 24,
            "lines": [
                {
                    "product_code": "CONTRAT",
                    "label": "Entretien saisonnier",
                    "unit_price": {"amount_cents": 45000, "currency": "EUR"},
                    "vat_rate": "20",
                }
            ],
        },
    )
    return office.post(f"/contracts/{contract['id']}/activate")  # type: ignore[no-any-return]


def test_office_contract_life_cycle_breakdown_call_and_credit_note(
    desktop: BrowserContext, people: People
) -> None:
    today = SYSTEM_CLOCK.today()
    contract = active_contract(
        people.office, "Camping Les Pins", today.replace(year=today.year + 1).isoformat()
    )
    page = desktop.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, people.office)

    # A breakdown call on the contract: its SLA deadline comes from the contract.
    page.goto("/interventions/nouvelle")
    page.get_by_role("searchbox", name="Contrat").fill(contract["number"])
    page.get_by_role("button", name=re.compile(contract["number"])).click()
    page.get_by_label("Priorité").select_option("urgent")
    page.get_by_label("Panne décrite par le client").fill("La pompe de filtration ne démarre plus.")
    page.get_by_role("button", name="Enregistrer le dépannage").click()
    expect(
        page.get_by_role("heading", name=re.compile("Dépannage — Piscine du camping"))
    ).to_be_visible()
    expect(page.get_by_text("La pompe de filtration ne démarre plus.")).to_be_visible()
    call = people.office.get(f"/interventions/{page.url.rsplit('/', 1)[-1]}")
    assert call["kind"] == "corrective" and call["priority"] == "urgent" and call["sla_deadline"]

    # Prices, renewal, suspension, resumption, termination.
    page.goto(f"/contrats/{contract['id']}")
    page.get_by_role("button", name="Changer les prix").click()
    dialog = page.get_by_role("dialog", name="Changer les prix")
    dialog.get_by_label("Entretien saisonnier — prix unitaire HT (€)").fill("472,50")
    dialog.get_by_label("Motif").fill("Indexation annuelle")
    dialog.get_by_role("button", name="Confirmer").click()
    history = page.get_by_role("list", name="Historique des prix de Entretien saisonnier")
    expect(history).to_contain_text("472,50")
    expect(history).to_contain_text("changement de prix")

    new_end = today.replace(year=today.year + 2).isoformat()
    page.get_by_role("button", name="Renouveler").click()
    dialog = page.get_by_role("dialog", name="Renouveler le contrat")
    dialog.get_by_label("Nouvelle date de fin").fill(new_end)
    dialog.get_by_role("button", name="Confirmer").click()
    expect(dialog).to_have_count(0)
    assert people.office.get(f"/contracts/{contract['id']}")["end_date"] == new_end

    page.get_by_role("button", name="Suspendre").click()
    dialog = page.get_by_role("dialog", name="Suspendre le contrat")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(dialog.locator('[data-error-for="reason"]')).to_have_text("Champ obligatoire")
    dialog.get_by_label("Motif").fill("Travaux sur le bassin")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Suspendu", exact=True)).to_be_visible()
    page.get_by_role("button", name="Reprendre").click()
    page.get_by_role("dialog", name="Reprendre le contrat").get_by_role(
        "button", name="Confirmer"
    ).click()
    expect(page.get_by_text("Actif", exact=True)).to_be_visible()
    page.get_by_role("button", name="Résilier").click()
    dialog = page.get_by_role("dialog", name="Résilier le contrat")
    dialog.get_by_label("Motif").fill("Vente du camping")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Résilié", exact=True)).to_be_visible()
    screenshot(page, "36-contract-terminated")

    # A manual invoice: draft, edited, issued, then fully credited.
    page.goto(f"/factures/nouvelle?client={contract['customer_id']}")
    line = page.get_by_test_id("invoice-line-0")
    line.get_by_label("Désignation").fill("Remplacement de la pompe de filtration")
    line.get_by_label("PU HT (€)").fill("450")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("heading", name="Facture (brouillon)")).to_be_visible()
    page.get_by_role("link", name="Modifier").click()
    page.get_by_test_id("invoice-line-0").get_by_label("Remise %").fill("10")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_test_id("invoice-total")).to_have_text(re.compile(r"^486,00\s€$"))
    page.get_by_role("button", name="Émettre").click()
    page.get_by_role("dialog", name="Émettre la facture").get_by_role(
        "button", name="Émettre"
    ).click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Émise")
    invoice_id = page.url.rsplit("/", 1)[-1]
    page.get_by_role("button", name="Créer un avoir").click()
    dialog = page.get_by_role("dialog", name="Créer un avoir")
    dialog.get_by_label("Motif").fill("Pompe reprise sous garantie")
    dialog.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_role("heading", name="Avoir (brouillon)")).to_be_visible()
    page.get_by_role("button", name="Émettre").click()
    page.get_by_role("dialog", name="Émettre l'avoir").get_by_role("button", name="Émettre").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Émise")
    credit = people.office.get(f"/invoices/{page.url.rsplit('/', 1)[-1]}")
    assert credit["type"] == "credit_note" and credit["corrected_invoice_id"] == invoice_id
    assert credit["total_including_vat_cents"] == 48600
    assert people.office.get(f"/invoices/{invoice_id}")["amount_due_cents"] == 0
    screenshot(page, "37-credit-note")
