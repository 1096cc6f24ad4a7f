"""Browser tests of the web app on the real local stack, driven by Playwright with the system
Chromium (Debian package `chromium`). Screenshots of the main screens go to
artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).parent))

from aquaerp_runtime.postgres import drop_database, ensure_database, with_database
from local_stack import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ROOT,
    WEB_DIST,
    ApiUser,
    Stack,
    run_async,
    start_stack,
)

CHROMIUM = os.environ.get("AQUAERP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1440, height=900)
PASSWORD = "Lagon-turquoise-2026!"
CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture(autouse=True)
def stack_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """When a browser test fails, the end of the stack's logs is printed with it."""
    yield
    if request.node.stash.get(CALL_FAILED, False) and "stack" in request.fixturenames:
        running: Stack = request.getfixturevalue("stack")
        print(f"\n--- local stack logs ---\n{running.log_tail(40)}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A real browser on the whole stack: long tests.
    for item in items:
        if "tests/web/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """The built app; built here when missing (./scripts/test builds it before pytest)."""
    if not (WEB_DIST / "index.html").exists():
        subprocess.run([str(ROOT / "scripts" / "build-web")], check=True)
    return Path(WEB_DIST)


@pytest.fixture(scope="session")
def stack(web_dist: Path, postgres_server_url: str) -> Iterator[Stack]:
    """`aquaerp up` with its own database on the test PostgreSQL server."""
    database_url = with_database(postgres_server_url, f"aquaerp_web_{os.getpid()}")
    run_async(ensure_database(database_url, recreate=True))
    data_dir = Path(tempfile.mkdtemp(prefix="aquaerp-web-"))
    running = start_stack(database_url, data_dir)
    try:
        yield running
    finally:
        running.stop()
        run_async(drop_database(database_url))
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def admin(stack: Stack) -> ApiUser:
    # Administrators must use a second factor (AUTH_MFA_REQUIRED_ROLES): the first one enrols.
    first = ApiUser(stack.base_url, ADMIN_EMAIL, ADMIN_PASSWORD).login()
    enable_totp(first)
    return first.login()


@dataclass
class People:
    office: ApiUser
    technician: ApiUser
    technician_id: str
    technician_name: str


def create_user(admin: ApiUser, email: str, name: str, roles: list[str]) -> ApiUser:
    admin.post(
        "/users", {"email": email, "display_name": name, "password": PASSWORD, "roles": roles}
    )
    return ApiUser(admin.base_url, email, PASSWORD).login()


def enable_totp(user: ApiUser) -> None:
    enrollment = user.post("/auth/totp/enroll")
    user.totp_secret = enrollment["secret"]
    user.post("/auth/totp/confirm", {"code": user.next_totp_code()}, expected=204)


@pytest.fixture(scope="session")
def people(admin: ApiUser) -> People:
    """An office user (bureau and compta) with a second factor, and a technician with their
    technician profile, working every day so the tests pass whatever the weekday."""
    suffix = uuid.uuid4().hex[:6]
    office = create_user(
        admin, f"claire.{suffix}@web-tests.fr", "Claire Martin", ["bureau", "compta"]
    )
    enable_totp(office)
    office.login()  # compta needs the second factor: the roles come with the new login
    technician = create_user(admin, f"marc.{suffix}@web-tests.fr", "Marc Dupuis", ["technicien"])
    user_id = technician.get("/auth/me")["id"]
    profile = admin.post(
        "/technicians",
        {
            "user_id": user_id,
            "display_name": "Marc Dupuis",
            "skills": ["piscine", "spa"],
            "working_hours": [
                {"weekday": day, "start": "07:00", "end": "20:00"} for day in range(1, 8)
            ],
            "home_base": {"latitude": 43.5804, "longitude": 7.1251},
        },
    )
    return People(office, technician, profile["id"], profile["display_name"])


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The system Chromium (Debian `chromium`, from scripts/system-packages.txt), else the one
    `playwright install chromium` downloads. Playwright gives every launch a fresh temporary
    profile (--user-data-dir)."""
    # This run's screenshots only.
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    with sync_playwright() as playwright:
        if Path(CHROMIUM).exists():
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        else:
            try:
                launched = playwright.chromium.launch(args=CHROMIUM_ARGS)
            except PlaywrightError as error:
                pytest.fail(
                    f"no browser: install the Debian package `chromium` "
                    f"(scripts/install-system-deps) or run `playwright install chromium` ({error})"
                )
        yield launched
        launched.close()


@pytest.fixture
def desktop(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=stack.base_url, viewport=DESKTOP, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=stack.base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = Path(SCREENSHOTS) / f"{name}.png"
    if full_page:
        # From the top, so that the sticky bars sit where a person sees them.
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page)
    return path
