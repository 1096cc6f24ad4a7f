"""The other services' sensitive acts reach the platform audit trail: a customer's export and
erasure (contrat) and a payment reversal (facture), done through REST, are listed by
`GET /api/v1/audit-events` with the end user as actor and the service as source."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, service_account_settings

from .auth_fixtures import GatewayStarter, bearer
from .data_fixtures import NOW, DataStack

pytestmark = pytest.mark.timeout(300)


@pytest_asyncio.fixture
async def stack(
    # Before `services`, so the services (and their background loops) stop before the
    # test's transaction is closed.
    rollback_database: Database,
    services: ServiceHarness,
    auth_service: AuthFixture,
    start_gateway: GatewayStarter,
    tmp_path: Path,
) -> AsyncIterator[DataStack]:
    """Contrat with every service it asks for a customer's data, each with its account."""
    clock = FixedClock(NOW)
    auth = {"auth": auth_service.target}

    async def start(name: str, targets: dict[str, str], **settings: Any) -> str:
        running = await services.start(
            load_service(name),
            database=rollback_database,
            clock=clock,
            targets={**auth, **targets},
            **service_account_settings(name),
            **settings,
        )
        return running.target

    workflow = await start("workflow", {}, scheduler_enabled=False)
    # An erasure asks four services in turn over one shared test transaction: slow on a busy
    # machine, so the calls get a minute as in the GDPR erasure test.
    contrat_service = await services.start(
        load_service("contrat"),
        database=rollback_database,
        clock=clock,
        targets=dict(auth),
        call_timeout=60.0,
        **service_account_settings("contrat"),
    )
    contrat = contrat_service.target
    intervention = await start("intervention", {"contrat": contrat})
    facture = await start(
        "facture", {"contrat": contrat, "intervention": intervention}, render_processes=1
    )
    mailer = await start("mailer", {"facture": facture, "intervention": intervention})
    # Contrat's channels to its peers open on first use, after these.
    contrat_service.ctx.settings.targets.update(
        {"facture": facture, "intervention": intervention, "mailer": mailer, "workflow": workflow}
    )
    gateway = await start_gateway(
        targets={"contrat": contrat, "facture": facture, "intervention": intervention},
        call_timeout=60.0,
    )
    yield DataStack(gateway.client, auth_service, tmp_path)


async def _trail(stack: DataStack, action: str, target: str) -> list[dict[str, Any]]:
    response = await stack.client.get(
        "/api/v1/audit-events",
        params={"action": action, "page_size": 500},
        headers=bearer(await stack.auth.admin_token()),
    )
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["target"] == target]


async def test_export_and_erasure_of_a_customer_are_in_the_audit_trail(stack: DataStack) -> None:
    customer = (await stack.customer())["id"]
    exported = await stack.call("bureau", "GET", f"/customers/{customer}/personal-data")
    assert exported.status_code == 200, exported.text
    erased = await stack.call(
        "bureau", "POST", f"/customers/{customer}/erase", json={"reason": "demande du client"}
    )
    assert erased.status_code == 200, erased.text

    events = await _trail(stack, "contrat.customer.", customer)
    assert [e["action"] for e in events] == [
        "contrat.customer.erased",
        "contrat.customer.personal_data_exported",
    ]
    office_user = (await stack.call("bureau", "GET", "/auth/me")).json()["id"]
    assert {e["actor"] for e in events} == {office_user}
    assert {e["source"] for e in events} == {"contrat"}
    assert json.loads(events[0]["details"])["reason"] == "demande du client"


async def test_a_payment_reversal_is_in_the_audit_trail(stack: DataStack) -> None:
    customer = (await stack.customer())["id"]
    await stack.issued_invoice(customer)
    paid = await stack.pay(customer, 12000)
    assert paid.status_code == 201, paid.text
    payment = paid.json()["id"]
    reversed_ = await stack.call(
        "compta", "POST", f"/payments/{payment}/reverse", json={"reason": "chèque impayé"}
    )
    assert reversed_.status_code == 200, reversed_.text

    events = await _trail(stack, "facture.payment.reversed", payment)
    assert len(events) == 1
    accountant = (await stack.call("compta", "GET", "/auth/me")).json()["id"]
    assert events[0]["actor"] == accountant and events[0]["source"] == "facture"
    details = json.loads(events[0]["details"])
    assert details["reason"] == "chèque impayé" and details["customer_id"] == customer
