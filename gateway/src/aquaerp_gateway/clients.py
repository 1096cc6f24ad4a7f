"""One shared gRPC channel per service, created on first use, carrying the caller's token."""

from __future__ import annotations

from typing import Any

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.client import ServiceTokenProvider, create_channel

from .config import GatewaySettings
from .security import forwarded_token


class Clients:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._stubs: dict[tuple[str, type], Any] = {}
        self._own_token: ServiceTokenProvider | None = None

    def channel(self, service: str) -> grpc.aio.Channel:
        if service not in self._channels:
            self._channels[service] = create_channel(
                self.settings.target(service),
                default_timeout=self.settings.call_timeout,
                credentials=forwarded_token,
                forwarder=self.own_token,
            )
        return self._channels[service]

    async def own_token(self) -> str | None:
        """The gateway's service token: services believe the end user's address it forwards
        only with it (none without a service account: the address is then not believed)."""
        if not self.settings.service_client_id:
            return None
        if self._own_token is None:
            # Its own channel: the channels above would ask it for a token again.
            stub = auth_pb2_grpc.AuthServiceStub(
                self._channels.setdefault(
                    "auth:own", create_channel(self.settings.target("auth"), default_timeout=5)
                )
            )

            async def fetch() -> tuple[str, int]:
                response = await stub.IssueServiceToken(
                    auth_pb2.IssueServiceTokenRequest(
                        client_id=self.settings.service_client_id,
                        client_secret=self.settings.service_client_secret,
                    )
                )
                return str(response.access_token), int(response.expires_in)

            self._own_token = ServiceTokenProvider(fetch)
        return await self._own_token()

    def stub(self, service: str, stub_class: type) -> Any:
        key = (service, stub_class)
        if key not in self._stubs:
            self._stubs[key] = stub_class(self.channel(service))
        return self._stubs[key]

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


class LazyStub:
    """A stub whose channel is made on its first call. A gRPC aio channel belongs to the event
    loop running when it is made: one made while the app is built (before the server's loop
    runs, e.g. after the migrations' own loop) fails every call with "attached to a different
    loop"."""

    def __init__(self, clients: Clients, service: str, stub_class: type) -> None:
        self._clients = clients
        self._service = service
        self._stub_class = stub_class

    def __getattr__(self, method: str) -> Any:
        return getattr(self._clients.stub(self._service, self._stub_class), method)
