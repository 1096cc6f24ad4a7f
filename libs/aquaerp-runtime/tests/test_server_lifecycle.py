"""Server behaviour every service inherits: health, reflection, graceful drain on SIGTERM,
deadlines that stop the handler and travel downstream."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

import grpc
import pytest
from aquaerp_runtime.testing.plugin import ServiceHarness
from aquaerp_runtime.testing.polling import eventually
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from . import slow_service

HERE = Path(__file__).resolve().parent


def _identity(data: bytes) -> bytes:
    return data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(channel: grpc.aio.Channel, method: str) -> grpc.aio.UnaryUnaryMultiCallable:
    return channel.unary_unary(
        method, request_serializer=_identity, response_deserializer=_identity
    )


async def _is(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def _health(channel: grpc.aio.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)).status  # type: ignore[no-any-return]


async def reflected_services(channel: grpc.aio.Channel) -> set[str]:
    """Service names listed by the server's reflection service (what grpcurl list shows)."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    async for response in stub.ServerReflectionInfo(iter([request])):
        return {s.name for s in response.list_services_response.service}
    return set()


async def test_health_and_reflection(services: ServiceHarness) -> None:
    running = await services.start(slow_service.SPEC)
    async with grpc.aio.insecure_channel(running.target) as channel:
        assert await _health(channel) == health_pb2.HealthCheckResponse.SERVING
        names = await reflected_services(channel)
    assert {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        slow_service.SERVICE,
    } <= names


async def test_deadline_fails_fast_and_stops_the_handler(services: ServiceHarness) -> None:
    slow_service.RECORDER.cancelled.clear()
    running = await services.start(slow_service.SPEC)
    async with grpc.aio.insecure_channel(running.target) as channel:
        started = time.perf_counter()
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _call(channel, slow_service.SLEEP)(b"5000", timeout=0.3)
        elapsed = time.perf_counter() - started
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 0.4
    await asyncio.wait_for(slow_service.RECORDER.cancelled.wait(), 1)


async def test_the_remaining_budget_travels_downstream(services: ServiceHarness) -> None:
    downstream = await services.start(slow_service.SPEC)
    upstream = await services.start(
        slow_service.SPEC, targets={"slow": downstream.target}, call_timeout=30
    )
    async with grpc.aio.insecure_channel(upstream.target) as channel:
        budget = float(await _call(channel, slow_service.RELAY)(b"", timeout=0.5))
    # The downstream call inherits what is left of 0.5 s, not the 30 s default.
    assert 0 < budget <= 0.5


async def test_sigterm_drains_in_flight_calls_and_refuses_new_ones() -> None:
    port = _free_port()
    env = {
        **os.environ,
        "SLOW_GRPC_PORT": str(port),
        "SLOW_GRPC_HOST": "127.0.0.1",
        "SLOW_DRAIN_DELAY": "1.0",
        "SLOW_SHUTDOWN_GRACE": "5",
        "SLOW_PUBLISH_EVENTS": "false",
    }
    process = subprocess.Popen([sys.executable, str(HERE / "slow_service.py")], env=env)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:

            async def status() -> int | None:
                try:
                    return await _health(channel)
                except grpc.aio.AioRpcError:
                    return None

            async def refused() -> bool:
                try:
                    await _call(channel, slow_service.SLEEP)(b"0", timeout=2)
                except grpc.aio.AioRpcError as error:
                    return error.code() == grpc.StatusCode.UNAVAILABLE
                return False

            serving = health_pb2.HealthCheckResponse.SERVING
            await eventually(lambda: _is(status(), serving), timeout=30, what="SERVING")
            in_flight = asyncio.ensure_future(
                _call(channel, slow_service.SLEEP)(b"2500", timeout=10)
            )
            await asyncio.sleep(0.3)  # the long call reaches the server before the signal
            process.send_signal(signal.SIGTERM)
            # Draining: still answering, but telling load balancers to go elsewhere (within
            # the 1 s drain delay).
            not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
            await eventually(
                lambda: _is(status(), not_serving), timeout=0.9, interval=0.02, what="NOT_SERVING"
            )
            # Then it stops accepting: new calls are refused while the old one runs on.
            await eventually(refused, timeout=3, what="new calls refused with UNAVAILABLE")
            assert not in_flight.done()
            assert await in_flight == b"done"
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
