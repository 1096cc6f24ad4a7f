"""A second facture replica in a process of its own (its own process group, at the office's
instant), for the tests that kill one with SIGKILL in the middle of a billing run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET
from aquaerp_runtime.testing.polling import eventually
from aquaerp_runtime.testing.ports import free_port
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .conftest import Facture


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    stub: facture_pb2_grpc.FactureServiceStub

    async def kill(self) -> None:
        if self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


@asynccontextmanager
async def replica_process(
    office: Facture, database_url: str, **settings: str
) -> AsyncIterator[Replica]:
    """`settings`: FACTURE_* variables on top of the production-like defaults below."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("fixed_clock_server.py")),
        office.clock.now().isoformat(),
        env={
            **os.environ,
            "FACTURE_DATABASE_URL": database_url,
            "FACTURE_GRPC_HOST": "127.0.0.1",
            "FACTURE_GRPC_PORT": str(port),
            "FACTURE_TARGETS": json.dumps(
                {
                    "auth": office.auth.target,
                    "contrat": office.running.ctx.settings.target("contrat"),
                }
            ),
            "FACTURE_SERVICE_CLIENT_ID": "facture",
            "FACTURE_SERVICE_CLIENT_SECRET": SERVICE_ACCOUNT_SECRET,
            "FACTURE_PUBLISH_EVENTS": "false",
            "FACTURE_RENDER_PROCESSES": "1",
            "FACTURE_BILLING_BATCH_SIZE": "2",
            "FACTURE_LOG_LEVEL": "WARNING",
            **{f"FACTURE_{name.upper()}": value for name, value in settings.items()},
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    channel = create_channel(f"ipv4:127.0.0.1:{port}", default_timeout=30)
    replica = Replica(process, facture_pb2_grpc.FactureServiceStub(channel))
    try:
        health = health_pb2_grpc.HealthStub(channel)

        async def serving() -> bool:
            try:
                answer = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.aio.AioRpcError:
                return False
            return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

        # A cold start (imports, fonts, a rendering worker) takes a minute on a busy machine.
        await eventually(serving, timeout=120, interval=0.2, what="the facture process serving")
        yield replica
    finally:
        await channel.close()
        await replica.kill()
