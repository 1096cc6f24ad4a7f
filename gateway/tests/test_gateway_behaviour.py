"""Gateway behaviour shared by every route: problem bodies, strict input, idempotency keys,
rate limiting, request ids and trace propagation, OpenAPI, JWKS, readiness."""

from __future__ import annotations

import asyncio
import json
import logging

from aquaerp_runtime.context import TraceContext
from aquaerp_runtime.structured_logging import JsonFormatter
from aquaerp_runtime.testing.plugin import AuthFixture

from .conftest import GatewayFactory, RunningGateway, auth_header


async def test_extra_fields_are_rejected_not_assigned(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    admin = auth_header(await auth_service.admin_token())
    response = await gateway.client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "email": "x@test.aquaerp.local",
            "password": "a fine long passphrase",
            "roles": ["bureau"],
            "is_superuser": True,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == {"is_superuser": "Extra inputs are not permitted"}


async def test_service_validation_error_names_the_field(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    admin = auth_header(await auth_service.admin_token())
    response = await gateway.client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "not-an-email", "password": "a fine long passphrase", "roles": ["bureau"]},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {"email": "invalid email address"}
    assert "Traceback" not in response.text


async def test_role_checks_happen_at_the_gateway(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    technician = auth_header(await auth_service.token("technicien"))
    response = await gateway.client.get("/api/v1/users", headers=technician)
    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"


async def test_idempotency_key_replays_refuses_and_detects_concurrency(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    admin = auth_header(await auth_service.admin_token())
    body = {
        "email": "idem@test.aquaerp.local",
        "password": "a fine long passphrase",
        "roles": ["bureau"],
    }
    headers = {**admin, "Idempotency-Key": "create-idem-user"}
    first = await gateway.client.post("/api/v1/users", headers=headers, json=body)
    again = await gateway.client.post("/api/v1/users", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await gateway.client.post(
        "/api/v1/users", headers=headers, json={**body, "roles": ["compta"]}
    )
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    # Without the key the same body is a new request, and the email is now taken.
    plain = await gateway.client.post("/api/v1/users", headers=admin, json=body)
    assert plain.status_code == 409


async def test_concurrent_duplicates_get_409(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    admin = auth_header(await auth_service.admin_token())
    headers = {**admin, "Idempotency-Key": "race-key"}
    body = {
        "email": "race@test.aquaerp.local",
        "password": "a fine long passphrase",
        "roles": ["bureau"],
    }
    responses = await asyncio.gather(
        *(gateway.client.post("/api/v1/users", headers=headers, json=body) for _ in range(6))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) >= 1
    assert set(codes) <= {201, 409}
    assert 409 in codes, "duplicates arriving while the first runs must be told it is in progress"
    users = await gateway.client.get("/api/v1/users", headers=admin, params={"q": "race@"})
    assert len(users.json()["items"]) == 1


async def test_auth_routes_are_rate_limited_per_client(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway(auth_rate_burst=3, auth_rate_per_second=0.1)
    codes = []
    for _ in range(5):
        response = await gateway.client.post(
            "/api/v1/auth/login", json={"email": "a@b.fr", "password": "x"}
        )
        codes.append(response.status_code)
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    assert int(response.headers["retry-after"]) >= 1


async def test_request_id_and_trace_reach_the_service(
    gateway: RunningGateway, auth_service: AuthFixture
) -> None:
    lines: list[dict[str, object]] = []
    formatter = JsonFormatter("auth")

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(formatter.format(record)))

    handler = Capture()
    access_log = logging.getLogger("aquaerp.access")
    previous_level = access_log.level
    access_log.setLevel(logging.INFO)
    access_log.addHandler(handler)
    try:
        token = await auth_service.token("bureau")
        trace = TraceContext.new()
        response = await gateway.client.get(
            "/api/v1/auth/me",
            headers={
                **auth_header(token),
                "X-Request-Id": "req-trace-1",
                "traceparent": trace.header(),
            },
        )
    finally:
        access_log.removeHandler(handler)
        access_log.setLevel(previous_level)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-trace-1"
    assert TraceContext.parse(response.headers["traceparent"]).trace_id == trace.trace_id  # type: ignore[union-attr]
    service_lines = [
        line for line in lines if line.get("grpc_method") == "/aquaerp.auth.v1.AuthService/GetMe"
    ]
    assert service_lines, "the auth service logged the call"
    assert service_lines[-1]["trace_id"] == trace.trace_id
    assert service_lines[-1]["request_id"] == "req-trace-1"


async def test_openapi_declares_bearer_security(gateway: RunningGateway) -> None:
    spec = (await gateway.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "/api/v1/auth/login" in spec["paths"]


async def test_jwks_health_readiness_metrics(gateway: RunningGateway) -> None:
    jwks = (await gateway.client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all(k["kty"] == "OKP" and "d" not in k for k in jwks["keys"])
    assert (await gateway.client.get("/healthz")).status_code == 200
    assert (await gateway.client.get("/readyz")).status_code == 200
    metrics = (await gateway.client.get("/metrics")).text
    assert (
        'http_requests_total{method="GET",route="/.well-known/jwks.json",status="200"}' in metrics
    )


async def test_readiness_fails_when_auth_is_unreachable(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway(targets={"auth": "ipv4:127.0.0.1:1"})
    response = await gateway.client.get("/readyz")
    assert response.status_code == 503
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": "a@b.fr", "password": "whatever it is"}
    )
    assert login.status_code == 503
    assert login.headers["content-type"] == "application/problem+json"
