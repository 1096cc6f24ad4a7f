"""Gateway test fixtures: the real FastAPI app served by uvicorn on a free port, talking gRPC to
real services started in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from aquaerp_gateway.app import create_app
from aquaerp_gateway.catalogue import Api
from aquaerp_gateway.config import GatewaySettings
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.testing.plugin import AuthFixture
from aquaerp_runtime.testing.ports import free_port

MIGRATIONS = Path(__file__).resolve().parent.parent / "src" / "aquaerp_gateway" / "migrations"


class RunningGateway:
    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], port: int) -> None:
        self.server = server
        self.task = task
        self.base_url = f"http://127.0.0.1:{port}"
        self.client = httpx.AsyncClient(base_url=self.base_url, timeout=30)

    async def stop(self) -> None:
        await self.client.aclose()
        self.server.should_exit = True
        await self.task


GatewayFactory = Callable[..., Awaitable[RunningGateway]]


@pytest_asyncio.fixture(scope="session")
async def gateway_migrated(database_url: str) -> None:
    await upgrade_async(MIGRATIONS, database_url, "gateway")


@pytest_asyncio.fixture
async def start_gateway(
    database_url: str, gateway_migrated: None, auth_service: AuthFixture
) -> AsyncIterator[GatewayFactory]:
    """`await start_gateway(targets={"contrat": running.target}, **settings)`; auth is wired.
    `apis` replaces the services the REST routes are built from (default: every AquaERP one)."""
    running: list[RunningGateway] = []

    async def start(
        targets: dict[str, str] | None = None, apis: list[Api] | None = None, **overrides: Any
    ) -> RunningGateway:
        port = free_port()
        settings = GatewaySettings(
            database_url=database_url,
            http_host="127.0.0.1",
            http_port=port,
            targets={"auth": auth_service.target, **(targets or {})},
            **overrides,
        )
        config = uvicorn.Config(
            create_app(settings, apis=apis),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
            await asyncio.sleep(0.02)
        gateway = RunningGateway(server, task, port)
        running.append(gateway)
        return gateway

    yield start
    for gateway in running:
        await gateway.stop()


@pytest_asyncio.fixture
async def gateway(start_gateway: GatewayFactory) -> RunningGateway:
    """A gateway wired to auth only."""
    return await start_gateway()


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
