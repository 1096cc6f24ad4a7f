"""/api/v1/auth and /api/v1/users through the real gateway and the real auth service."""

from __future__ import annotations

from aquaerp_runtime.testing.plugin import AuthFixture

from .conftest import RunningGateway, auth_header


async def test_login_then_me(gateway: RunningGateway, auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("compta")
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": password}
    )
    assert login.status_code == 200, login.text
    token = login.json()["tokens"]["access_token"]
    me = await gateway.client.get("/api/v1/auth/me", headers=auth_header(token))
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["roles"] == ["compta"]


async def test_missing_token_is_401_problem(gateway: RunningGateway) -> None:
    response = await gateway.client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "missing access token"
