"""Steps the browser tests share: logging in, waiting for the stack, today's date in Paris."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from aquaerp_runtime.clock import SYSTEM_CLOCK
from local_stack import ApiUser
from playwright.sync_api import Page, expect


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
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def paris_today() -> str:
    return SYSTEM_CLOCK.today().isoformat()


def wait_until(check: Callable[[], Any], timeout: float = 45.0, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout:.0f}s")
        time.sleep(every)


def settled(page: Page) -> None:
    """Nothing loading any more, and no error shown."""
    expect(page.locator(".loading")).to_have_count(0, timeout=20_000)
    expect(page.locator(".alert--error")).to_have_count(0)
