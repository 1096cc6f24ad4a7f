"""Alembic per service: migrations live in the service package, the version table in its schema.

A service's `migrations/env.py` is two lines: `from aquaerp_runtime.migrations import run_env;
run_env(metadata)`. `upgrade()` applies them programmatically (local stack, tests, k8s Job).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from .db import create_engine


def alembic_config(migrations_dir: Path, url: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("version_locations", str(migrations_dir / "versions"))
    config.attributes["database_url"] = url
    config.attributes["schema"] = schema
    return config


def upgrade(migrations_dir: Path, url: str, schema: str, revision: str = "head") -> None:
    """Applies the service's migrations up to `revision` (blocking; call from a thread)."""
    command.upgrade(alembic_config(migrations_dir, url, schema), revision)


async def upgrade_async(migrations_dir: Path, url: str, schema: str) -> None:
    await asyncio.to_thread(upgrade, migrations_dir, url, schema)


def run_env(metadata: MetaData) -> None:
    """Body of a service's alembic env.py (online mode only: we always have a database)."""
    config = context.config
    url: str = config.attributes["database_url"]
    schema: str = config.attributes["schema"]

    def run(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        # Serialise concurrent upgrades (two replicas starting at once).
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})

        def only_this_schema(name: str | None, type_: str, parent_names: object) -> bool:
            # Autogenerate compares the service's schema only (not public, not other services).
            return type_ != "schema" or name == schema

        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=only_this_schema,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_engine(url, pool_size=1, application_name=f"{schema}-migrations")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(run)
        finally:
            await engine.dispose()

    asyncio.run(main())
