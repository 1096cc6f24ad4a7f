"""Fixtures of the authentication attacks: the real gateway (uvicorn on a free port, as
`python -m aquaerp_gateway` runs it: no proxy headers rewritten by uvicorn) in front of a real
auth service, and a forged token maker."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from aquaerp_gateway.app import create_app
from aquaerp_gateway.config import GatewaySettings
from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.testing.plugin import AuthFixture
from aquaerp_runtime.testing.ports import free_port

GATEWAY_MIGRATIONS = (
    Path(__file__).resolve().parents[2] / "gateway" / "src" / "aquaerp_gateway" / "migrations"
)


class Gateway:
    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], port: int) -> None:
        self.server = server
        self.task = task
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)

    async def stop(self) -> None:
        await self.client.aclose()
        self.server.should_exit = True
        await self.task


GatewayStarter = Callable[..., Awaitable[Gateway]]


@pytest_asyncio.fixture(scope="session")
async def gateway_schema(database_url: str) -> None:
    await upgrade_async(GATEWAY_MIGRATIONS, database_url, "gateway")


@pytest_asyncio.fixture
async def start_gateway(
    database_url: str, gateway_schema: None, auth_service: AuthFixture
) -> AsyncIterator[GatewayStarter]:
    """`await start_gateway(targets={...}, **settings)`: auth is always wired."""
    running: list[Gateway] = []

    async def start(
        targets: dict[str, str] | None = None, clock: Clock = SYSTEM_CLOCK, **overrides: Any
    ) -> Gateway:
        port = free_port()
        settings = GatewaySettings(
            database_url=database_url,
            http_host="127.0.0.1",
            http_port=port,
            targets={"auth": auth_service.target, **(targets or {})},
            **overrides,
        )
        config = uvicorn.Config(
            create_app(settings, clock=clock),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
            proxy_headers=False,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
            await asyncio.sleep(0.02)
        gateway = Gateway(server, task, port)
        running.append(gateway)
        return gateway

    yield start
    for gateway in running:
        await gateway.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def forged_token(claims: dict[str, Any], *, alg: str = "none") -> str:
    """A token with the claims an attacker wants and no valid signature."""
    return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims)}.{_segment({'sig': 0})}"


def unverified_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims
