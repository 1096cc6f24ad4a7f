"""D3: an access token stops working on business routes within 5 s of its session ending at
auth (logout, account disabled, password changed, refresh-token reuse), at the gateway (whose
token cache had it) and at a service called directly over gRPC."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import pytest_asyncio
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp_contrat.app import SPEC as CONTRAT
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness
from aquaerp_runtime.testing.polling import eventually

from .auth_fixtures import Gateway, GatewayStarter, bearer

REVOCATION_DEADLINE = 5.0


class Business:
    def __init__(self, gateway: Gateway, contrat: contrat_pb2_grpc.ContratServiceStub) -> None:
        self.gateway = gateway
        self.contrat = contrat

    async def login(self, email: str, password: str) -> dict[str, str]:
        response = await self.gateway.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        tokens: dict[str, str] = response.json()["tokens"]
        return tokens

    async def rest_status(self, token: str) -> int:
        response = await self.gateway.client.get("/api/v1/customers", headers=bearer(token))
        return response.status_code

    async def grpc_code(self, token: str) -> grpc.StatusCode:
        try:
            await self.contrat.ListCustomers(
                contrat_pb2.ListCustomersRequest(), metadata=(("authorization", f"Bearer {token}"),)
            )
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    async def assert_refused_within_deadline(self, token: str) -> float:
        """Polls (no fixed sleep) until both faces refuse the token; returns the seconds taken."""
        started = time.monotonic()

        async def refused() -> bool:
            return (
                await self.rest_status(token) == 401
                and await self.grpc_code(token) == grpc.StatusCode.UNAUTHENTICATED
            )

        await eventually(refused, timeout=REVOCATION_DEADLINE, what="old access token refused")
        return time.monotonic() - started


@pytest_asyncio.fixture
async def business(
    start_gateway: GatewayStarter,
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
) -> AsyncIterator[Business]:
    contrat = await services.start(
        CONTRAT, database=rollback_database, targets={"auth": auth_service.target}
    )
    gateway = await start_gateway(targets={"contrat": contrat.target})
    channel = create_channel(contrat.target, default_timeout=10)
    yield Business(gateway, contrat_pb2_grpc.ContratServiceStub(channel))
    await channel.close()


async def _working(business: Business, token: str) -> None:
    # Used once first, so the gateway's token cache holds it.
    assert await business.rest_status(token) == 200
    assert await business.grpc_code(token) == grpc.StatusCode.OK


async def test_logout_refuses_the_old_access_token_within_5_s(
    business: Business, auth_service: AuthFixture
) -> None:
    user, password = await auth_service.create_user("bureau")
    tokens = await business.login(user.email, password)
    await _working(business, tokens["access_token"])
    logout = await business.gateway.client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert logout.status_code == 204
    await business.assert_refused_within_deadline(tokens["access_token"])
    # Another session of the same user is untouched.
    other = await business.login(user.email, password)
    assert await business.rest_status(other["access_token"]) == 200


async def test_disabling_refuses_every_access_token_of_the_user_within_5_s(
    business: Business, auth_service: AuthFixture
) -> None:
    user, password = await auth_service.create_user("bureau")
    phone_token = (await business.login(user.email, password))["access_token"]
    laptop_token = (await business.login(user.email, password))["access_token"]
    await _working(business, phone_token)
    await _working(business, laptop_token)
    admin = bearer(await auth_service.admin_token())
    disabled = await business.gateway.client.post(f"/api/v1/users/{user.id}/disable", headers=admin)
    assert disabled.status_code == 200
    await business.assert_refused_within_deadline(phone_token)
    await business.assert_refused_within_deadline(laptop_token)


async def test_password_change_refuses_the_other_sessions_within_5_s(
    business: Business, auth_service: AuthFixture
) -> None:
    user, password = await auth_service.create_user("bureau")
    here = await business.login(user.email, password)
    elsewhere = await business.login(user.email, password)
    await _working(business, elsewhere["access_token"])
    changed = await business.gateway.client.post(
        "/api/v1/auth/password",
        headers=bearer(here["access_token"]),
        json={"current_password": password, "new_password": "Une toute nouvelle phrase 2026"},
    )
    assert changed.status_code == 204, changed.text
    await business.assert_refused_within_deadline(elsewhere["access_token"])
    assert await business.rest_status(here["access_token"]) == 200


async def test_refresh_token_reuse_refuses_the_stolen_sessions_access_tokens_within_5_s(
    business: Business, auth_service: AuthFixture
) -> None:
    user, password = await auth_service.create_user("bureau")
    tokens = await business.login(user.email, password)
    rotated = await business.gateway.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert rotated.status_code == 200
    new_access = rotated.json()["access_token"]
    await _working(business, new_access)
    # The stolen, already used refresh token comes back: the whole session ends.
    replay = await business.gateway.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert replay.status_code == 401
    await business.assert_refused_within_deadline(new_access)
    await business.assert_refused_within_deadline(tokens["access_token"])
