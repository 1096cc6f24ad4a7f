"""A minimal service for platform tests: `Sleep` waits the number of milliseconds in its request
(raw bytes, decimal) and records whether it was cancelled. Runs in-process or as
`python slow_service.py` (settings from SLOW_* variables)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import grpc
from aquaerp_runtime.context import remaining_budget
from aquaerp_runtime.service import ServiceContext, ServiceSpec, run_service
from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "test.v1.SlowService"
SLEEP = f"/{SERVICE}/Sleep"
BUDGET = f"/{SERVICE}/Budget"
RELAY = f"/{SERVICE}/Relay"


class SlowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLOW_", extra="ignore")


class Recorder:
    def __init__(self) -> None:
        self.cancelled = asyncio.Event()
        self.finished = asyncio.Event()


RECORDER = Recorder()


def _identity(data: bytes) -> bytes:
    return data


async def setup(ctx: ServiceContext) -> None:
    async def sleep(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        try:
            await asyncio.sleep(int(request.decode() or "0") / 1000)
        except asyncio.CancelledError:
            RECORDER.cancelled.set()
            raise
        RECORDER.finished.set()
        return b"done"

    async def budget(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        remaining = remaining_budget()
        return b"none" if remaining is None else f"{remaining:.3f}".encode()

    async def relay(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        """Calls Budget on the `slow` target, to show the deadline travels downstream."""
        call = ctx.channel("slow", authenticated=False).unary_unary(
            BUDGET, request_serializer=_identity, response_deserializer=_identity
        )
        return await call(b"")  # type: ignore[no-any-return]

    handlers: dict[str, Any] = {
        "Sleep": grpc.unary_unary_rpc_method_handler(sleep, _identity, _identity),
        "Budget": grpc.unary_unary_rpc_method_handler(budget, _identity, _identity),
        "Relay": grpc.unary_unary_rpc_method_handler(relay, _identity, _identity),
    }
    generic = grpc.method_handlers_generic_handler(SERVICE, handlers)
    ctx.add_servicer(
        lambda _servicer, server: server.add_generic_rpc_handlers((generic,)), None, SERVICE
    )


SPEC = ServiceSpec(
    name="slow",
    settings_class=SlowSettings,
    setup=setup,
    public_methods=frozenset({SLEEP, BUDGET, RELAY}),
)

if __name__ == "__main__":
    sys.exit(run_service(SPEC, sys.argv[1:]))
