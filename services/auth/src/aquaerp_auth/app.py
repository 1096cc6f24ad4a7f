"""How the platform runs the auth service."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
from pathlib import Path

from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.client import ServiceTokenProvider, create_channel
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import ServiceContext, ServiceSpec
from aquaerp_runtime.settings import ServiceSettings

from .config import AuthSettings
from .customers import ContratCustomers
from .models import outbox
from .service import AuthService
from .servicer import AuthServicer

log = logging.getLogger(__name__)

SERVICE_NAME = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name
PUBLIC_METHODS = frozenset(
    f"/{SERVICE_NAME}/{method}"
    for method in (
        "Login",
        "VerifyMfa",
        "RefreshToken",
        "Logout",
        "GetJwks",
        "IssueServiceToken",
        "ListRevokedSessions",
        "ExchangeApiKey",
    )
)
KEY_CHECK_INTERVAL = 3600.0


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, AuthSettings)
    service = AuthService(ctx.database, settings, clock=ctx.clock)
    if settings.check_customers:
        channel = create_channel(
            settings.target("contrat"),
            default_timeout=settings.call_timeout,
            credentials=ServiceTokenProvider(service.service_token),
        )
        service.check_customer = service.api_keys.check_customer = ContratCustomers(channel).check
    await service.ensure_signing_key()
    if settings.bootstrap_admin_email and settings.bootstrap_admin_password:
        if await service.bootstrap_admin(
            settings.bootstrap_admin_email, settings.bootstrap_admin_password
        ):
            log.info("created the first administrator %s", settings.bootstrap_admin_email)
    ctx.verifier = service.verifier
    ctx.publish_outbox(outbox)
    ctx.add_servicer(
        auth_pb2_grpc.add_AuthServiceServicer_to_server, AuthServicer(service), SERVICE_NAME
    )

    async def rotate_keys_when_old() -> None:
        while True:
            await asyncio.sleep(KEY_CHECK_INTERVAL)
            try:
                await service.ensure_signing_key()
            except Exception:
                log.exception("signing key check failed")

    ctx.add_background(rotate_keys_when_old)


async def create_admin(settings: ServiceSettings, argv: list[str]) -> int:
    """`python -m aquaerp_auth create-admin --email E [--password P]`: prints the password
    once when it creates the account; prints nothing secret when an administrator exists."""
    assert isinstance(settings, AuthSettings)
    parser = argparse.ArgumentParser(prog="aquaerp-auth create-admin")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", default="")
    options = parser.parse_args(argv)
    password = options.password or secrets.token_urlsafe(12)
    database = Database.from_url(settings.database_url, pool_size=1)
    try:
        service = AuthService(database, settings)
        await service.ensure_signing_key()
        created = await service.bootstrap_admin(options.email, password)
    finally:
        await database.dispose()
    print(f"created {options.email} {password}" if created else "exists")
    return 0


SPEC = ServiceSpec(
    name="auth",
    settings_class=AuthSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    public_methods=PUBLIC_METHODS,
    commands={"create-admin": create_admin},
    # A client user or API key must name a customer contrat knows.
    calls=("contrat",),
)
