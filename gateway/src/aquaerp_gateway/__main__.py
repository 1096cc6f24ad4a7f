"""`python -m aquaerp_gateway [serve|migrate]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import uvicorn
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.sentry import init_sentry
from aquaerp_runtime.structured_logging import configure_logging

from .app import create_app
from .config import GatewaySettings

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA = "gateway"


def main() -> int:
    parser = argparse.ArgumentParser(prog="aquaerp-gateway")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    options = parser.parse_args()
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level, json_output=settings.log_json)
    if options.command == "migrate" or settings.migrate_on_start:
        asyncio.run(upgrade_async(MIGRATIONS, settings.database_url, SCHEMA))
        if options.command == "migrate":
            return 0
    init_sentry(
        settings.sentry_dsn,
        environment=settings.sentry_environment,
        service="gateway",
        traces_sample_rate=settings.sentry_traces_sample_rate,
    )
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        # The request context resolves the client address from GATEWAY_TRUSTED_PROXIES.
        proxy_headers=False,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=int(settings.shutdown_grace),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
