"""D4, D10 and full-width codes: password and second-factor guessing is slowed down per account
whatever address the requests claim, a second-factor challenge is spent once used, and odd
codes are refused, never a 500."""

from __future__ import annotations

import secrets

import pyotp
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.testing.plugin import AuthFixture

from .auth_fixtures import Gateway, GatewayStarter, bearer

GUESSES = 100


async def _guess_with_rotated_addresses(gateway: Gateway, email: str) -> list[int]:
    statuses = []
    for n in range(GUESSES):
        response = await gateway.client.post(
            "/api/v1/auth/login",
            headers={"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"},
            json={"email": email, "password": f"guess number {n:03d}"},
        )
        statuses.append(response.status_code)
    return statuses


async def test_rotated_forwarded_for_from_an_untrusted_peer_is_ignored(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()  # no trusted proxy: the header is the client's own words
    user, _password = await auth_service.create_user("bureau")
    statuses = await _guess_with_rotated_addresses(gateway, user.email)
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    assert statuses.count(429) >= GUESSES - 10, statuses
    assert 500 not in statuses
    # The other users of the same address are not locked out by auth (only the per-address
    # bucket of the gateway, which refills): someone else's account still works at auth.
    other, other_password = await auth_service.create_user("bureau")
    assert (await auth_service.login(other.email, other_password)).access_token


async def test_account_throttling_holds_behind_a_trusted_proxy_with_real_addresses(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    # Behind the ingress every request really comes from another address: the per-address
    # bucket never fills, the account's delay still does.
    gateway = await start_gateway(trusted_proxies="127.0.0.1/32")
    user, password = await auth_service.create_user("bureau")
    statuses = await _guess_with_rotated_addresses(gateway, user.email)
    assert statuses[:5] == [401] * 5
    assert statuses.count(429) >= GUESSES - 10, statuses
    # Even the right password waits (a delay, not a lockout: Retry-After says how long).
    right = await gateway.client.post(
        "/api/v1/auth/login",
        headers={"X-Forwarded-For": "192.0.2.200"},
        json={"email": user.email, "password": password},
    )
    assert right.status_code == 429
    assert 0 < int(right.headers["retry-after"]) <= 15 * 60


async def _user_with_totp(gateway: Gateway, auth_service: AuthFixture) -> tuple[str, str, str]:
    user, password = await auth_service.create_user("bureau")
    access = (await auth_service.login(user.email, password)).access_token
    enrolled = await gateway.client.post("/api/v1/auth/totp/enroll", headers=bearer(access))
    secret = enrolled.json()["secret"]
    step = int(SYSTEM_CLOCK.timestamp()) // 30
    confirmed = await gateway.client.post(
        "/api/v1/auth/totp/confirm",
        headers=bearer(access),
        json={"code": pyotp.TOTP(secret).at(step * 30)},
    )
    assert confirmed.status_code == 204, confirmed.text
    return user.email, password, secret


async def test_a_second_factor_challenge_is_spent_once_used(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    email, password, secret = await _user_with_totp(gateway, auth_service)
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    challenge = login.json()["mfa_token"]
    next_step = int(SYSTEM_CLOCK.timestamp()) // 30 + 1
    verified = await gateway.client.post(
        "/api/v1/auth/mfa/verify",
        json={"mfa_token": challenge, "code": pyotp.TOTP(secret).at(next_step * 30)},
    )
    assert verified.status_code == 200, verified.text
    # The attack: the same challenge again, with any code (no password needed any more).
    replay = await gateway.client.post(
        "/api/v1/auth/mfa/verify",
        json={"mfa_token": challenge, "code": f"{secrets.randbelow(10**6):06d}"},
    )
    assert replay.status_code == 401
    assert "challenge already used" in replay.json()["detail"]
    assert "access_token" not in replay.text


async def test_full_width_digits_are_not_a_code(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    email, password, _secret = await _user_with_totp(gateway, auth_service)
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    # Full-width, Arabic-Indic, and one full-width digit among ASCII ones.
    for code in (
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "\u0661\u0662\u0663\u0664\u0665\u0666",
        "12345\uff16",
    ):
        response = await gateway.client.post(
            "/api/v1/auth/mfa/verify", json={"mfa_token": login.json()["mfa_token"], "code": code}
        )
        assert response.status_code == 401, (code, response.status_code, response.text)
