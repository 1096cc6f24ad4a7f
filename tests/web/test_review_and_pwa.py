"""The technician app as an installed PWA in a dead zone, and the office's review before money
leaves, in a real browser on the real local stack.

The technician opens the day online (the service worker installs), loses the network, reloads:
the app opens from the service worker with the day's route and the visit from the phone's copy;
the report completed offline waits in the outbox, and when the network returns it is delivered
and the visit page shows the visit completed by itself. The billable part becomes a draft invoice
in the office's "À valider" queue, issued from there with a multi-selection; the office's page
loads never download the OpenAPI document."""

from __future__ import annotations

import re

from browser_steps import login, wait_until
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect
from test_browser import catalogue_chlore_choc, fill_report, sign, visit_for_technician_today


def test_technician_app_reloaded_offline_then_report_delivered_and_invoice_reviewed(
    phone: BrowserContext, desktop: BrowserContext, people: People, admin: ApiUser
) -> None:
    visit = visit_for_technician_today(people, admin, "16:00")
    visit_id = visit["id"]
    catalogue_chlore_choc(admin)
    page = phone.new_page()
    login(page, people.technician)
    expect(page).to_have_url(re.compile(r"/tech$"))
    expect(page.get_by_test_id(f"stop-{visit_id}")).to_be_visible()
    # The service worker is active and controls the page (its precache is complete).
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(lambda: page.evaluate("!!navigator.serviceWorker.controller"), timeout=30)

    # A dead zone, and the app reloaded: it opens from the service worker with the day's route.
    phone.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("network-state")).to_have_text("Hors ligne")
    stop = page.get_by_test_id(f"stop-{visit_id}")
    expect(stop).to_contain_text("Villa Rossi")
    expect(page.get_by_text(re.compile("Hors ligne : tournée enregistrée le"))).to_be_visible()
    screenshot(page, "40-technician-offline-reload", full_page=False)

    # The visit opens offline; the report is completed and waits on the phone.
    stop.get_by_role("link", name=re.compile("Villa Rossi")).click()
    page.get_by_role("button", name="Démarrer l'intervention").click()
    expect(page.get_by_role("heading", name="Mesures de l'eau")).to_be_visible()
    fill_report(page)
    sign(page)
    page.get_by_role("button", name="Terminer l'intervention").click()
    expect(page.get_by_test_id("queued-notice")).to_be_visible()
    expect(page.get_by_test_id("outbox-count")).to_have_text("1")
    assert people.office.get(f"/interventions/{visit_id}")["status"] == "scheduled"

    # The network returns: the outbox delivers, and the visit page shows the visit completed
    # without a reload (no more "En cours" and "Terminer").
    phone.set_offline(False)
    expect(page.get_by_test_id("completed-notice")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Terminer l'intervention")).to_have_count(0)
    screenshot(page, "41-technician-delivered", full_page=False)
    assert people.office.get(f"/interventions/{visit_id}")["status"] == "completed"

    # The billable part waits as a draft in the office's review queue: nothing issued or sent.
    def draft_of_the_visit() -> list[dict[str, object]]:
        drafts = people.office.get("/invoices", source="intervention", status="draft")["items"]
        return [d for d in drafts if d["intervention_id"] == visit_id]

    [draft] = wait_until(draft_of_the_visit, timeout=90, every=2)
    assert draft["number"] == ""
    office = desktop.new_page()
    openapi_requests: list[str] = []
    office.on(
        "request",
        lambda r: openapi_requests.append(r.url) if r.url.endswith("/openapi.json") else None,
    )
    login(office, people.office)
    office.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="À valider"
    ).click()
    row = office.locator(f'[data-invoice="{draft["id"]}"]')
    expect(row).to_contain_text("45,00")
    expect(row).to_contain_text("54,00")
    screenshot(office, "42-review-queue")
    row.get_by_role("checkbox").check()
    office.get_by_test_id("issue-selected").click()
    dialog = office.get_by_role("dialog", name="Émettre la facture")
    expect(dialog).to_contain_text("54,00")
    dialog.get_by_role("button", name="Émettre").click()
    expect(row).to_have_count(0)
    issued = people.office.get(f"/invoices/{draft['id']}")
    assert issued["status"] == "issued" and re.fullmatch(r"FA-\d{4}-\d{6}", issued["number"])
    office.goto("/tableau-de-bord")
    office.goto("/factures")
    expect(office.get_by_role("heading", name="Factures", level=1)).to_be_visible()
    assert openapi_requests == []
