"""Service bootstrap: how a service declares itself, and how it is started and stopped.

A service package exposes one `SPEC = ServiceSpec(...)` and registers it under the
`aquaerp.services` entry point; the local stack, the tests and `python -m aquaerp_<svc>` all
start it from there. `setup(ctx)` registers servicers and background tasks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sqlalchemy import Table

from .client import MAX_MESSAGE_BYTES, ServiceTokenProvider, create_channel
from .clock import SYSTEM_CLOCK, Clock
from .db import Database
from .interceptors import CallInterceptor, ChainInterceptor
from .interceptors.access_log import AccessLogInterceptor
from .interceptors.auth import AuthInterceptor
from .interceptors.errors import ErrorInterceptor
from .interceptors.metrics import MetricsInterceptor
from .interceptors.request_context import RequestContextInterceptor
from .interceptors.sentry import SentryInterceptor
from .metrics import serve_metrics
from .migrations import upgrade_async
from .outbox import OutboxRelay, grpc_publisher
from .sentry import init_sentry, sentry_enabled
from .settings import ServiceSettings
from .structured_logging import configure_logging
from .tokens import TokenVerifier, auth_service_verifier

log = logging.getLogger(__name__)

Setup = Callable[["ServiceContext"], Awaitable[None]]
Command = Callable[[ServiceSettings, list[str]], Coroutine[Any, Any, int]]


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the platform needs to know to run a service."""

    name: str
    settings_class: type[ServiceSettings]
    setup: Setup
    migrations: Path | None = None
    # Fully qualified methods callable without a token, e.g. "/aquaerp.auth.v1.AuthService/Login".
    public_methods: frozenset[str] = frozenset()
    # Extra `python -m aquaerp_<svc> <command>` entries (e.g. auth's create-admin).
    commands: dict[str, Command] = field(default_factory=dict)
    # Names of the services this one calls (for NetworkPolicies and the local stack).
    calls: tuple[str, ...] = ()

    @property
    def schema(self) -> str:
        return self.name

    @property
    def module(self) -> str:
        """Top-level package, run as `python -m <module>`."""
        return self.setup.__module__.split(".")[0]

    @property
    def env_prefix(self) -> str:
        return str(self.settings_class.model_config.get("env_prefix", ""))

    def load_settings(self, **overrides: Any) -> ServiceSettings:
        return self.settings_class(**overrides)


def service_names() -> list[str]:
    """Names of the installed services, without importing them."""
    return sorted({entry.name for entry in entry_points(group="aquaerp.services")})


def load_service(name: str) -> ServiceSpec:
    """One installed service's spec."""
    (entry,) = entry_points(group="aquaerp.services", name=name)
    spec: ServiceSpec = entry.load()
    return spec


def discover_services() -> dict[str, ServiceSpec]:
    """All installed services, from the `aquaerp.services` entry points."""
    specs: dict[str, ServiceSpec] = {}
    for entry in entry_points(group="aquaerp.services"):
        spec = entry.load()
        specs[spec.name] = spec
    return dict(sorted(specs.items(), key=lambda item: (item[0] != "auth", item[0])))


class ServiceContext:
    """What `setup` gets: settings, database, clients to other services, registration hooks."""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: ServiceSettings,
        database: Database,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.database = database
        # The one source of business time for this service (a FixedClock in tests).
        self.clock = clock
        self.service_names: list[str] = [health.SERVICE_NAME, reflection.SERVICE_NAME]
        self._registrations: list[Callable[[grpc.aio.Server], None]] = []
        self._background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._shutdown_hooks: list[Callable[[], Awaitable[None]]] = []
        self._channels: dict[tuple[str, bool], grpc.aio.Channel] = {}
        self._verifier: TokenVerifier | None = None
        self._service_token: ServiceTokenProvider | None = None

    # -- registration -------------------------------------------------------------------
    def add_servicer(
        self, add_to_server: Callable[[Any, grpc.aio.Server], None], servicer: Any, full_name: str
    ) -> None:
        self._registrations.append(lambda server: add_to_server(servicer, server))
        self.service_names.append(full_name)

    def add_background(self, task: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A coroutine run for the life of the server (relay, worker loop), cancelled at stop."""
        self._background.append(task)

    def publish_outbox(self, table: Table) -> OutboxRelay | None:
        """Runs the relay that delivers `table`'s events to the workflow service (when
        `publish_events` is on). Returns it so the service can `notify()` it after commits."""
        if not self.settings.publish_events:
            return None
        relay = OutboxRelay(
            self.database,
            table,
            grpc_publisher(self.channel("workflow"), source=self.spec.name),
            source=self.spec.name,
            clock=self.clock,
        )
        self.add_background(relay.run)
        return relay

    def on_shutdown(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._shutdown_hooks.append(hook)

    # -- identity -----------------------------------------------------------------------
    @property
    def verifier(self) -> TokenVerifier:
        if self._verifier is None:
            stub = auth_pb2_grpc.AuthServiceStub(self.channel("auth", authenticated=False))
            # Token lifetimes are checked against the real clock, not the service's business
            # clock: a token is valid by when it was issued by auth, whatever day the service's
            # business clock says (tests run services at fixed business instants).
            self._verifier = auth_service_verifier(
                stub, issuer=self.settings.jwt_issuer, audience=self.settings.jwt_audience
            )
        return self._verifier

    @verifier.setter
    def verifier(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def service_token(self) -> str | None:
        """This service's own access token (None when it has no service account)."""
        if not self.settings.service_client_id:
            return None
        if self._service_token is None:
            stub = auth_pb2_grpc.AuthServiceStub(self.channel("auth", authenticated=False))

            async def fetch() -> tuple[str, int]:
                response = await stub.IssueServiceToken(
                    auth_pb2.IssueServiceTokenRequest(
                        client_id=self.settings.service_client_id,
                        client_secret=self.settings.service_client_secret,
                    ),
                    timeout=5,
                )
                return response.access_token, response.expires_in

            self._service_token = ServiceTokenProvider(fetch)
        return await self._service_token()

    def channel(self, service: str, *, authenticated: bool = True) -> grpc.aio.Channel:
        """A shared channel to another service, carrying this service's account token."""
        key = (service, authenticated)
        if key not in self._channels:
            self._channels[key] = create_channel(
                self.settings.target(service),
                default_timeout=self.settings.call_timeout,
                credentials=self.service_token if authenticated else None,
            )
        return self._channels[key]

    async def close(self) -> None:
        for hook in reversed(self._shutdown_hooks):
            await hook()
        for channel in self._channels.values():
            await channel.close()


def interceptors_for(ctx: ServiceContext) -> list[CallInterceptor]:
    chain: list[CallInterceptor] = [
        RequestContextInterceptor(),
        AccessLogInterceptor(),
        MetricsInterceptor(),
        ErrorInterceptor(),
    ]
    if sentry_enabled():
        chain.append(SentryInterceptor())
    chain.append(AuthInterceptor(lambda: ctx.verifier, ctx.spec.public_methods))
    return chain


class RunningService:
    """A started server; `stop()` drains it the way SIGTERM does."""

    def __init__(
        self,
        ctx: ServiceContext,
        server: grpc.aio.Server,
        health_servicer: health.aio.HealthServicer,
        port: int,
        tasks: list[asyncio.Task[None]],
    ) -> None:
        self.ctx = ctx
        self.server = server
        self.health = health_servicer
        self.port = port
        self.tasks = tasks
        self._stopped = False

    @property
    def target(self) -> str:
        return f"ipv4:127.0.0.1:{self.port}"

    async def stop(self, *, drain_delay: float | None = None, grace: float | None = None) -> None:
        if self._stopped:
            return
        self._stopped = True
        settings = self.ctx.settings
        # Tell load balancers first, then refuse new calls and let in-flight ones finish.
        await self.health.enter_graceful_shutdown()
        await asyncio.sleep(settings.drain_delay if drain_delay is None else drain_delay)
        await self.server.stop(settings.shutdown_grace if grace is None else grace)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.ctx.close()


async def start_service(
    spec: ServiceSpec,
    settings: ServiceSettings,
    *,
    database: Database | None = None,
    port: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> RunningService:
    """Builds and starts the server (port 0 picks a free port). Does not apply migrations."""
    database = database or Database.from_url(
        settings.database_url, pool_size=settings.database_pool_size, application_name=spec.name
    )
    ctx = ServiceContext(spec, settings, database, clock)
    await spec.setup(ctx)
    server = grpc.aio.server(
        interceptors=[ChainInterceptor(interceptors_for(ctx))],
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
            # Our clients ping every 30 s while a call is open (client.CHANNEL_OPTIONS); the
            # default (5 min) answers a long call's pings with GOAWAY "too_many_pings".
            ("grpc.http2.min_ping_interval_without_data_ms", 20_000),
        ],
    )
    for register in ctx._registrations:
        register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(ctx.service_names, server)
    bound = server.add_insecure_port(
        f"{settings.grpc_host}:{settings.grpc_port if port is None else port}"
    )
    await server.start()
    for name in ["", *ctx.service_names[2:]]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    tasks = [
        asyncio.create_task(task(), name=f"{spec.name}-background") for task in ctx._background
    ]
    ctx.on_shutdown(database.dispose)
    return RunningService(ctx, server, health_servicer, bound, tasks)


async def _serve(spec: ServiceSpec, settings: ServiceSettings) -> int:
    if settings.migrate_on_start and spec.migrations:
        await upgrade_async(spec.migrations, settings.database_url, spec.schema)
    running = await start_service(spec, settings)
    log.info("%s listening on port %s", spec.name, running.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log.info("%s draining", spec.name)
    await running.stop()
    log.info("%s stopped", spec.name)
    return 0


async def _migrate(spec: ServiceSpec, settings: ServiceSettings, argv: list[str]) -> int:
    if spec.migrations is None:
        return 0
    await upgrade_async(spec.migrations, settings.database_url, spec.schema)
    log.info("%s migrations applied", spec.name)
    return 0


def run_service(spec: ServiceSpec, argv: list[str] | None = None) -> int:
    """Entry point of `python -m aquaerp_<svc> [serve|migrate|<command>] ...`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = ["serve", "migrate", *spec.commands]
    parser = argparse.ArgumentParser(prog=f"aquaerp-{spec.name}")
    parser.add_argument("command", nargs="?", default="serve", choices=commands)
    options, rest = parser.parse_known_args(argv)
    settings = spec.load_settings()
    configure_logging(spec.name, settings.log_level, json_output=settings.log_json)
    if options.command == "serve":
        init_sentry(
            settings.sentry_dsn,
            environment=settings.sentry_environment,
            service=spec.name,
            traces_sample_rate=settings.sentry_traces_sample_rate,
        )
        serve_metrics(settings.metrics_port, settings.metrics_host)
        return asyncio.run(_serve(spec, settings))
    if options.command == "migrate":
        return asyncio.run(_migrate(spec, settings, rest))
    return asyncio.run(spec.commands[options.command](settings, rest))
