"""The audit trail: logins (successes and failures), role changes and disabled accounts are
recorded by auth; other services record theirs (service accounts only); administrators read
it filtered by actor, action and day; nobody else can read or write it."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, AuthFixture, rpc_error

from .auth_fixtures import GatewayStarter, bearer


async def test_logins_role_changes_and_disabling_are_in_the_trail(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    admin_token = await auth_service.admin_token()
    admin = bearer(admin_token)
    admin_id = (await gateway.client.get("/api/v1/auth/me", headers=admin)).json()["id"]
    user, password = await auth_service.create_user("bureau")
    await gateway.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "not the password 9"}
    )
    await auth_service.login(user.email, password)
    changed = await gateway.client.patch(
        f"/api/v1/users/{user.id}", headers=admin, json={"roles": ["bureau", "compta"]}
    )
    assert changed.status_code == 200
    assert (
        await gateway.client.post(f"/api/v1/users/{user.id}/disable", headers=admin)
    ).status_code == 200

    async def events(**params: str) -> list[dict[str, object]]:
        response = await gateway.client.get("/api/v1/audit-events", headers=admin, params=params)
        assert response.status_code == 200, response.text
        items: list[dict[str, object]] = response.json()["items"]
        return items

    logins = await events(action="auth.user.login")
    mine = [e for e in logins if e["target"] == user.id]
    assert [e["action"] for e in mine] == ["auth.user.login_succeeded", "auth.user.login_failed"]
    assert mine[1]["actor"] == user.email.lower() or mine[1]["actor"] == user.id
    by_admin = await events(actor=admin_id)
    actions = [(e["action"], e["target"]) for e in by_admin]
    assert ("auth.user.roles_changed", user.id) in actions
    assert ("auth.user.disabled", user.id) in actions
    roles = next(e for e in by_admin if e["action"] == "auth.user.roles_changed")
    assert json.loads(str(roles["details"])) == {
        "before": ["bureau"],
        "after": ["bureau", "compta"],
    }
    today = SYSTEM_CLOCK.today()
    assert await events(actor=admin_id, **{"from": today.isoformat(), "to": today.isoformat()})
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert await events(actor=admin_id, **{"from": tomorrow}) == []
    assert "password" not in json.dumps(logins).replace("password_", "")


async def test_only_admins_read_and_only_services_write(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    bureau = await auth_service.token("bureau")
    assert (
        await gateway.client.get("/api/v1/audit-events", headers=bearer(bureau))
    ).status_code == 403
    assert (await gateway.client.get("/api/v1/audit-events")).status_code == 401
    request = auth_pb2.RecordAuditEventRequest(
        actor="someone", action="contrat.customer.erased", target="c-1", details_json="{}"
    )
    refused = await rpc_error(
        auth_service.stub.RecordAuditEvent(
            request, metadata=(("authorization", f"Bearer {bureau}"),)
        )
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED

    service = await auth_service.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(client_id="contrat", client_secret=SERVICE_ACCOUNT_SECRET)
    )
    admin = bearer(await auth_service.admin_token())
    admin_id = (await gateway.client.get("/api/v1/auth/me", headers=admin)).json()["id"]
    recorded = await auth_service.stub.RecordAuditEvent(
        auth_pb2.RecordAuditEventRequest(
            actor=admin_id,
            action="contrat.customer.erased",
            target="customer-42",
            details_json='{"reason": "demande RGPD"}',
            client_ip="192.0.2.4",
        ),
        metadata=(("authorization", f"Bearer {service.access_token}"),),
    )
    assert recorded.source == "contrat"
    listed = await gateway.client.get(
        "/api/v1/audit-events", headers=admin, params={"action": "contrat.customer"}
    )
    entry = next(e for e in listed.json()["items"] if e["id"] == recorded.id)
    assert entry["actor"] == admin_id and entry["target"] == "customer-42"
    assert entry["client_ip"] == "192.0.2.4"
    bad = await rpc_error(
        auth_service.stub.RecordAuditEvent(
            auth_pb2.RecordAuditEventRequest(actor="x", action="y", details_json="[1]"),
            metadata=(("authorization", f"Bearer {service.access_token}"),),
        )
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
