"""The auth service under test runs on a fixed clock: tokens, sessions, second-factor codes and
throttling windows are then the same at any hour, and tests move time explicitly.

It runs on a database of its own: the other services' tests share one auth service on the real
clock, and two auth services on two clocks over one signing-key table would each retire the
other's keys as too old or not yet valid (a production cluster has one clock)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import pytest_asyncio
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.postgres import drop_database, ensure_database, with_database
from aquaerp_runtime.service import ServiceSpec, load_service
from aquaerp_runtime.testing.plugin import (
    TEST_ADMIN_EMAIL,
    TEST_ADMIN_PASSWORD,
    AuthFixture,
    ServiceHarness,
)

# A summer afternoon in Paris (UTC+2).
START = paris(2026, 7, 15, 15, 0)


@pytest.fixture(scope="session")
def session_clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def clock(session_clock: FixedClock) -> Iterator[FixedClock]:
    """The auth service's clock, back at `START` for every test."""
    session_clock.set(START)
    yield session_clock
    session_clock.set(START)


@pytest_asyncio.fixture(scope="session")
async def auth_database_url(postgres_server_url: str) -> AsyncIterator[str]:
    url = with_database(postgres_server_url, f"aquaerp_test_{os.getpid()}_auth")
    await ensure_database(url, recreate=True)
    yield url
    await drop_database(url)


@pytest_asyncio.fixture(scope="session")
async def auth_migrate(auth_database_url: str) -> Callable[[ServiceSpec], Awaitable[None]]:
    done: set[str] = set()

    async def apply(spec: ServiceSpec) -> None:
        if spec.name not in done and spec.migrations is not None:
            await upgrade_async(spec.migrations, auth_database_url, spec.schema)
        done.add(spec.name)

    return apply


@pytest_asyncio.fixture
async def services(
    auth_database_url: str, auth_migrate: Callable[[ServiceSpec], Awaitable[None]]
) -> AsyncIterator[ServiceHarness]:
    """Further auth services for a test, on the auth tests' own database."""
    harness = ServiceHarness(auth_database_url, auth_migrate)
    yield harness
    await harness.stop_all()


@pytest_asyncio.fixture(scope="session")
async def auth_service(
    auth_database_url: str,
    auth_migrate: Callable[[ServiceSpec], Awaitable[None]],
    session_clock: FixedClock,
) -> AsyncIterator[AuthFixture]:
    harness = ServiceHarness(auth_database_url, auth_migrate)
    running = await harness.start(
        load_service("auth"),
        clock=session_clock,
        bootstrap_admin_email=TEST_ADMIN_EMAIL,
        bootstrap_admin_password=TEST_ADMIN_PASSWORD,
        # Tests of the second factor start their own service with the shipped default.
        mfa_required_roles=[],
        check_customers=False,  # no contrat here; the customer check is tested with one
    )
    fixture = AuthFixture(running)
    yield fixture
    await fixture.close()
    await harness.stop_all()
