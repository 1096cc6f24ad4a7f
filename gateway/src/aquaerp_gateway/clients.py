"""One shared gRPC channel per service, created on first use, carrying the caller's token."""

from __future__ import annotations

from typing import Any

import grpc
from aquaerp_runtime.client import create_channel

from .config import GatewaySettings
from .security import forwarded_token


class Clients:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._stubs: dict[tuple[str, type], Any] = {}

    def channel(self, service: str) -> grpc.aio.Channel:
        if service not in self._channels:
            self._channels[service] = create_channel(
                self.settings.target(service),
                default_timeout=self.settings.call_timeout,
                credentials=forwarded_token,
            )
        return self._channels[service]

    def stub(self, service: str, stub_class: type) -> Any:
        key = (service, stub_class)
        if key not in self._stubs:
            self._stubs[key] = stub_class(self.channel(service))
        return self._stubs[key]

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
