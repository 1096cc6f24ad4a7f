"""Every route built from the protos refuses a missing token (401) and a role its RPC's
`(aquaerp.api.v1.roles)` option does not allow (403), and a body with an unknown field is a 422
problem naming it; all before any service is called (the gateway here is wired to auth only)."""

from __future__ import annotations

import re
import uuid

from aquaerp_gateway.catalogue import default_apis
from aquaerp_gateway.rest import RestRoute, routes
from aquaerp_runtime.testing.plugin import AuthFixture

from .conftest import RunningGateway, auth_header

ROLES = ("admin", "bureau", "compta", "technicien", "client")


def _url(route: RestRoute) -> str:
    return re.sub(r"\{[^}]+\}", "x0", route.path)


async def test_every_generated_route_checks_token_role_and_body(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    customer = str(uuid.uuid4())  # a client user is linked to a customer record
    tokens = {
        role: auth_header(
            await auth_service.token(role, customer_id=customer if role == "client" else "")
        )
        for role in ROLES
    }
    client = gateway.client
    checked = 0
    for route in routes(default_apis()):
        if route.access.public:
            continue
        method, url = route.verb.upper(), _url(route)
        anonymous = await client.request(method, url, json={})
        assert anonymous.status_code == 401, (method, url)
        assert anonymous.headers["content-type"] == "application/problem+json"
        allowed = list(route.access.allow) or list(ROLES)
        refused = [role for role in ROLES if role not in allowed]
        if refused:
            answer = await client.request(method, url, json={}, headers=tokens[refused[0]])
            assert answer.status_code == 403, (method, url, refused[0])
        if route.body_model is not None:
            bad = await client.request(
                method, url, json={"no_such_field": 1}, headers=tokens[allowed[0]]
            )
            assert bad.status_code == 422, (method, url, bad.text)
            assert bad.headers["content-type"] == "application/problem+json"
            assert "no_such_field" in bad.json()["errors"], (method, url)
        checked += 1
    assert checked > 80
