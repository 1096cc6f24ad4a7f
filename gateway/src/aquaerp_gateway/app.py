"""The FastAPI application: middleware, error handlers, routes, and its lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aquaerp.auth.v1 import auth_pb2_grpc
from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.tokens import auth_service_verifier
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from . import rest
from .api_keys import Authenticator
from .catalogue import Api, default_apis
from .clients import Clients, LazyStub
from .config import GatewaySettings
from .http_metrics import HttpMetricsMiddleware
from .idempotency import IdempotencyMiddleware
from .problems import UnhandledErrors, install_handlers
from .rate_limit import TokenBuckets
from .request_context import RequestContextMiddleware
from .routes import API_PREFIX, api_routers, root_routers
from .security import SecurityHeadersMiddleware
from .spa import SinglePageApp


def create_app(
    settings: GatewaySettings,
    *,
    database: Database | None = None,
    apis: list[Api] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> FastAPI:
    """The gateway over `apis` (by default every AquaERP service with REST annotations)."""
    database = database or Database.from_url(
        settings.database_url, pool_size=settings.database_pool_size, application_name="gateway"
    )
    clients = Clients(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await clients.close()
        await database.dispose()

    app = FastAPI(
        title="AquaERP API",
        version="1.0",
        description="REST API of AquaERP. Errors are `application/problem+json`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clients = clients
    app.state.verifier = auth_service_verifier(
        LazyStub(clients, "auth", auth_pb2_grpc.AuthServiceStub),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    app.state.auth_buckets = TokenBuckets(settings.auth_rate_burst, settings.auth_rate_per_second)
    app.state.authenticator = Authenticator(
        app.state.verifier,
        LazyStub(clients, "auth", auth_pb2_grpc.AuthServiceStub),
        clock=clock,
        cache_seconds=settings.api_key_cache_seconds,
        key_buckets=TokenBuckets(settings.api_key_rate_burst, settings.api_key_rate_per_second),
        guess_buckets=app.state.auth_buckets,
    )

    install_handlers(app)
    app.include_router(rest.router(default_apis() if apis is None else apis, clients))
    for router in api_routers(settings):
        app.include_router(router, prefix=API_PREFIX)
    for router in root_routers():
        app.include_router(router)
    if settings.web_dist is not None and settings.web_dist.is_dir():
        app.mount("/", SinglePageApp(directory=settings.web_dist, html=True), name="web")

    # Outermost last: request context wraps everything, so every log line has the ids.
    app.add_middleware(UnhandledErrors)
    app.add_middleware(
        IdempotencyMiddleware,
        database=database,
        ttl_hours=settings.idempotency_ttl_hours,
        authenticate=app.state.authenticator.principal,
        clock=clock,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
            expose_headers=["X-Request-Id", "Retry-After", "Idempotent-Replayed"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HttpMetricsMiddleware)
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.trusted_proxies)
    return app
