"""D5: the passwords an attacker tries first are refused with a French message naming the field
(and nothing is created); admin and compta need a second factor in every shipped config."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_auth.config import AuthSettings
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness

from .auth_fixtures import GatewayStarter, bearer, unverified_claims

ROOT = Path(__file__).resolve().parents[2]
WEAK = [
    "123456789012",
    "aaaaaaaaaaaa",
    " " * 12,
    "azertyuiopqs",
    "aquaerp12345",
    "piscine12345",
    "motdepasse12",
    "camille.roux2026",  # the e-mail's local part and digits
    "correct horse\u0000battery staple",
]


async def test_weak_passwords_are_refused_with_the_field_and_nothing_is_created(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    admin = bearer(await auth_service.admin_token())
    for password in WEAK:
        email = f"camille.roux{secrets.token_hex(2)}@test.aquaerp.local"
        if password.startswith("camille.roux"):
            email = f"camille.roux@{secrets.token_hex(3)}.test.aquaerp.local"
        response = await gateway.client.post(
            "/api/v1/users",
            headers=admin,
            json={"email": email, "password": password, "roles": ["bureau"]},
        )
        assert response.status_code == 422, (password, response.status_code, response.text)
        errors = response.json()["errors"]
        assert list(errors) == ["password"], (password, errors)
        if "\u0000" not in password:  # control characters are refused at the API edge
            assert "mot de passe" in errors["password"]
        listed = await gateway.client.get("/api/v1/users", params={"q": email}, headers=admin)
        assert listed.json()["items"] == []


async def test_changing_to_a_weak_password_is_refused_and_the_old_one_still_works(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    user, password = await auth_service.create_user("bureau")
    token = (await auth_service.login(user.email, password)).access_token
    response = await gateway.client.post(
        "/api/v1/auth/password",
        headers=bearer(token),
        json={"current_password": password, "new_password": "motdepasse12"},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["new_password"]
    assert (await auth_service.login(user.email, password)).access_token


def test_every_shipped_config_requires_a_second_factor_for_admin_and_compta(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AUTH_MFA_REQUIRED_ROLES", raising=False)
    assert AuthSettings().mfa_required_roles == ["admin", "compta"]
    k8s = (ROOT / "k8s" / "base" / "services" / "auth" / "config.env").read_text().splitlines()
    assert "AUTH_MFA_REQUIRED_ROLES=admin,compta" in k8s
    monkeypatch.setenv("AUTH_MFA_REQUIRED_ROLES", "admin,compta")
    assert AuthSettings().mfa_required_roles == ["admin", "compta"]


async def test_with_the_default_config_a_compta_user_without_second_factor_gets_no_roles(
    services: ServiceHarness, auth_service: AuthFixture
) -> None:
    shipped = await services.start(load_service("auth"))  # no override: the shipped default
    user, password = await auth_service.create_user("compta")
    channel = create_channel(shipped.target)
    try:
        login = await auth_pb2_grpc.AuthServiceStub(channel).Login(
            auth_pb2.LoginRequest(email=user.email, password=password)
        )
    finally:
        await channel.close()
    claims = unverified_claims(login.tokens.access_token)
    assert claims["roles"] == []
    assert claims["mfa_enrollment_required"] is True
