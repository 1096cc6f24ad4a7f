"""An administrator creates an integration's API key in the browser, sees it once, the key
works on the REST API within its role, and revoking it in the browser refuses it within 5 s."""

from __future__ import annotations

from datetime import timedelta

import httpx
from aquaerp_runtime.clock import SYSTEM_CLOCK
from browser_steps import login, wait_until
from conftest import screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect


def test_admin_creates_shows_once_and_revokes_an_api_key(
    desktop: BrowserContext, admin: ApiUser
) -> None:
    page = desktop.new_page()
    login(page, admin)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Clés d'API").click()
    page.get_by_role("button", name="+ Nouvelle clé").click()
    dialog = page.get_by_role("dialog", name="Nouvelle clé d'API")
    dialog.get_by_label("Nom").fill("Export comptable")
    dialog.get_by_label("Comptabilité", exact=True).check()
    last_day = (SYSTEM_CLOCK.today() + timedelta(days=30)).isoformat()
    dialog.get_by_label("Valable jusqu'au").fill(last_day)
    dialog.get_by_role("button", name="Créer la clé").click()

    shown = page.get_by_role("dialog", name="Clé « Export comptable » créée")
    secret = shown.locator("[data-secret]").inner_text().strip()
    assert secret.startswith("aqk_")
    screenshot(page, "60-api-key-created", full_page=False)
    shown.get_by_role("button", name="J'ai copié la clé").click()
    row = page.locator('[data-key="Export comptable"]')
    expect(row).to_contain_text("Active")
    # The list shows the beginning of the key only.
    assert secret not in page.content()

    def status(path: str) -> int:
        with httpx.Client(base_url=admin.base_url, timeout=30) as client:
            answer = client.get(path, headers={"authorization": f"Bearer {secret}"})
            return answer.status_code

    assert status("/api/v1/invoices") == 200
    assert status("/api/v1/users") == 403

    row.get_by_role("button", name="Révoquer").click()
    page.get_by_role("dialog", name="Révoquer la clé").get_by_test_id("confirm-accept").click()
    expect(row).to_contain_text("Révoquée")
    wait_until(lambda: status("/api/v1/invoices") == 401, timeout=5.0, every=0.2)
    screenshot(page, "61-api-keys")
