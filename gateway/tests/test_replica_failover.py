"""Two auth replicas behind client-side round-robin: one is SIGKILLed during a stream of reads
through the gateway, and no request fails."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import grpc
from aquaerp_runtime.testing.plugin import AuthFixture
from aquaerp_runtime.testing.polling import eventually
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .conftest import GatewayFactory, auth_header, free_port

TOTAL_REQUESTS = 2000
CONCURRENCY = 16


async def _wait_serving(port: int) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        async def serving() -> bool:
            try:
                answer = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.aio.AioRpcError:
                return False
            return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

        # A cold start (imports, migrations check, keys) takes far longer on a busy machine.
        await eventually(serving, timeout=120, interval=0.1, what=f"the replica on port {port}")


async def test_killing_a_replica_loses_no_request(
    database_url: str, auth_service: AuthFixture, start_gateway: GatewayFactory
) -> None:
    ports = [free_port(), free_port()]
    replicas = [
        subprocess.Popen(
            [sys.executable, "-m", "aquaerp_auth"],
            env={
                **os.environ,
                "AUTH_DATABASE_URL": database_url,
                "AUTH_GRPC_HOST": "127.0.0.1",
                "AUTH_GRPC_PORT": str(port),
                "AUTH_PUBLISH_EVENTS": "false",
                "AUTH_LOG_LEVEL": "WARNING",
            },
        )
        for port in ports
    ]
    try:
        for port in ports:
            await _wait_serving(port)
        target = "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports)
        gateway = await start_gateway(targets={"auth": target})
        headers = auth_header(await auth_service.token("bureau"))
        assert (await gateway.client.get("/api/v1/auth/me", headers=headers)).status_code == 200

        done = 0
        failures: list[str] = []
        queue = iter(range(TOTAL_REQUESTS))

        async def reader() -> None:
            nonlocal done
            for _ in queue:
                response = await gateway.client.get("/api/v1/auth/me", headers=headers)
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                done += 1

        async def killer() -> None:
            while done < TOTAL_REQUESTS // 3:
                await asyncio.sleep(0.01)
            replicas[0].send_signal(signal.SIGKILL)

        await asyncio.gather(killer(), *(reader() for _ in range(CONCURRENCY)))
        assert replicas[0].wait(5) == -signal.SIGKILL
        assert done == TOTAL_REQUESTS
        assert failures == []
    finally:
        for process in replicas:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
