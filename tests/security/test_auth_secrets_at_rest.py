"""Secrets at rest: a TOTP secret is stored encrypted (envelope encryption, key id for
rotation); reading the raw column finds no secret, and the second factor still works."""

from __future__ import annotations

import pyotp
import pytest
from aquaerp_auth.models import users
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.secrets_at_rest import SecretBox, SecretKeyError
from aquaerp_runtime.testing.plugin import AuthFixture
from sqlalchemy import select

from .auth_fixtures import GatewayStarter, bearer

ROTATED_KEYS = (
    "k2:" + "A" * 43 + "," + "k1:" + "B" * 43  # two 32-byte keys, k2 current
)


async def test_the_raw_totp_columns_hold_no_secret(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    user, password = await auth_service.create_user("bureau")
    access = (await auth_service.login(user.email, password)).access_token
    secret = (await gateway.client.post("/api/v1/auth/totp/enroll", headers=bearer(access))).json()[
        "secret"
    ]

    async def raw_columns() -> tuple[str | None, str | None]:
        async with auth_service.running.ctx.database.unit_of_work() as session:
            row = (
                await session.execute(
                    select(users.c.totp_secret, users.c.totp_pending_secret).where(
                        users.c.email == user.email
                    )
                )
            ).one()
        return row[0], row[1]

    _, pending = await raw_columns()
    assert pending is not None and secret not in pending and pending.startswith("enc1:")
    step = int(SYSTEM_CLOCK.timestamp()) // 30
    confirmed = await gateway.client.post(
        "/api/v1/auth/totp/confirm",
        headers=bearer(access),
        json={"code": pyotp.TOTP(secret).at(step * 30)},
    )
    assert confirmed.status_code == 204
    stored, pending = await raw_columns()
    assert pending is None
    assert stored is not None and stored.startswith("enc1:")
    assert secret not in stored and secret.lower() not in stored.lower()
    # The second factor works from the encrypted value.
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": password}
    )
    verified = await gateway.client.post(
        "/api/v1/auth/mfa/verify",
        json={
            "mfa_token": login.json()["mfa_token"],
            "code": pyotp.TOTP(secret).at((step + 1) * 30),
        },
    )
    assert verified.status_code == 200, verified.text


def test_keys_rotate_and_values_are_bound_to_their_purpose() -> None:
    old = SecretBox.from_setting("k1:" + "B" * 43)
    stored = old.encrypt("JBSWY3DPEHPK3PXP", "auth.users.totp_secret")
    rotated = SecretBox.from_setting(ROTATED_KEYS)
    assert rotated.decrypt(stored, "auth.users.totp_secret") == "JBSWY3DPEHPK3PXP"
    assert rotated.needs_reencryption(stored)
    again = rotated.reencrypt(stored, "auth.users.totp_secret")
    assert again.startswith("enc1:k2:") and not rotated.needs_reencryption(again)
    with pytest.raises(SecretKeyError):
        rotated.decrypt(stored, "mailer.smtp_password")  # moved to another column
    with pytest.raises(SecretKeyError):
        SecretBox.from_setting("k3:" + "C" * 43).decrypt(stored, "auth.users.totp_secret")
