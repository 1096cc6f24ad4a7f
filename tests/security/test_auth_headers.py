"""D14: security headers on the gateway's answers: nosniff and a referrer policy everywhere,
`no-store` on JSON (and problem) answers, a content security policy forbidding framing on the
web app's pages."""

from __future__ import annotations

from pathlib import Path

from aquaerp_runtime.testing.plugin import AuthFixture

from .auth_fixtures import GatewayStarter, bearer


async def test_json_answers_are_not_stored_and_not_sniffed(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    token = await auth_service.admin_token()
    for response in (
        await gateway.client.get("/api/v1/auth/me", headers=bearer(token)),
        await gateway.client.get("/api/v1/auth/me"),  # the 401 problem answer too
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_the_web_app_cannot_be_framed(start_gateway: GatewayStarter, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>AquaERP</title>")
    gateway = await start_gateway(web_dist=tmp_path)
    for path in ("/", "/factures/42"):  # the page itself and a client-side route
        response = await gateway.client.get(path)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "default-src 'self'" in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
