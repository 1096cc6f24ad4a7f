"""Every installed service answers health checks and lists its API by reflection, as grpcurl
would see it."""

from __future__ import annotations

import grpc
import pytest
from aquaerp_runtime.service import load_service, service_names
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, service_account_settings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc


async def reflected_services(channel: grpc.aio.Channel) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    async for response in stub.ServerReflectionInfo(iter([request])):
        return {s.name for s in response.list_services_response.service}
    return set()


@pytest.mark.parametrize("name", service_names())
async def test_service_is_healthy_and_reflectable(
    name: str, services: ServiceHarness, auth_service: AuthFixture
) -> None:
    spec = load_service(name)
    running = (
        auth_service.running
        if name == "auth"
        else await services.start(
            spec, targets={"auth": auth_service.target}, **service_account_settings(name)
        )
    )
    own_services = [n for n in running.ctx.service_names if n.startswith("aquaerp.")]
    assert own_services, f"{name} registers no aquaerp API"
    async with grpc.aio.insecure_channel(running.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ["", *own_services]:
            # facture spawns its renderers as it starts: a busy machine answers in seconds.
            answer = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING, service
        listed = await reflected_services(channel)
    assert {"grpc.health.v1.Health", *own_services} <= listed
