"""D11: the end user's address recorded by a service (`x-client-ip`) is believed only when a
service tells it: the gateway vouching with its own service token. A caller reaching a service
directly cannot choose the address written in the audit trail."""

from __future__ import annotations

from aquaerp.auth.v1 import auth_pb2
from aquaerp_runtime.testing.plugin import AuthFixture, bearer

from .auth_fixtures import GatewayStarter

CLAIMED = "203.0.113.9"
FORWARDED = "198.51.100.7"


async def _login_address(auth_service: AuthFixture, user_id: str) -> str:
    """The address of the user's last recorded login."""
    events = await auth_service.stub.ListAuditEvents(
        auth_pb2.ListAuditEventsRequest(actor=user_id, action="auth.user.login_succeeded"),
        metadata=bearer(await auth_service.admin_token()),
    )
    assert events.events, "no login recorded"
    return str(events.events[0].client_ip)


async def test_a_direct_caller_cannot_choose_its_recorded_address(
    auth_service: AuthFixture,
) -> None:
    user, password = await auth_service.create_user("bureau")
    user_token = (await auth_service.login(user.email, password)).access_token
    for metadata in (
        (("x-client-ip", CLAIMED),),
        # A user's token is no service's: vouching with it changes nothing.
        (("x-client-ip", CLAIMED), ("x-forwarder-authorization", f"Bearer {user_token}")),
        (("x-client-ip", CLAIMED), ("x-forwarder-authorization", "Bearer forged")),
    ):
        await auth_service.stub.Login(
            auth_pb2.LoginRequest(email=user.email, password=password), metadata=metadata
        )
        assert await _login_address(auth_service, user.id) == "127.0.0.1"


async def test_the_gateway_vouches_for_the_address_it_forwards(
    auth_service: AuthFixture, start_gateway: GatewayStarter
) -> None:
    account = await auth_service.stub.CreateServiceAccount(
        auth_pb2.CreateServiceAccountRequest(name="gateway"),
        metadata=bearer(await auth_service.admin_token()),
    )
    user, password = await auth_service.create_user("bureau")
    behind_proxy = {"trusted_proxies": "127.0.0.1/32"}
    headers = {"X-Forwarded-For": FORWARDED}
    login = {"email": user.email, "password": password}

    with_account = await start_gateway(
        service_client_id=account.client_id,
        service_client_secret=account.client_secret,
        **behind_proxy,
    )
    response = await with_account.client.post("/api/v1/auth/login", json=login, headers=headers)
    assert response.status_code == 200, response.text
    assert await _login_address(auth_service, user.id) == FORWARDED

    # A gateway without its service account is not believed either.
    without_account = await start_gateway(**behind_proxy)
    response = await without_account.client.post("/api/v1/auth/login", json=login, headers=headers)
    assert response.status_code == 200, response.text
    assert await _login_address(auth_service, user.id) == "127.0.0.1"
