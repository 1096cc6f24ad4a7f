"""Database access: one async engine per process, one unit of work per RPC.

A unit of work commits once when its block ends normally and rolls back on any exception.
Services never call `commit()` themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Constraint and index names as PostgreSQL itself chooses them for unnamed constraints, so that
# the models, the migrations and the database agree on every name (and autogenerate can compare
# them). Check constraints keep PostgreSQL's own naming (they have no column to name them by).
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "ix": "ix_%(column_0_label)s",
}


def schema_metadata(schema: str) -> MetaData:
    """The MetaData of one service's schema, with the naming convention."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """postgresql://... -> postgresql+asyncpg://... (keeps a unix-socket `host` query)."""
    parts = urlsplit(url)
    scheme = "postgresql+asyncpg"
    query = dict(parse_qsl(parts.query))
    query.pop("sslmode", None) if query.get("sslmode") == "disable" else None
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def plain_url(url: str) -> str:
    """postgresql+asyncpg://... -> postgresql://... for libpq tools (psql, pg_dump)."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


def create_engine(
    url: str, *, pool_size: int = 10, application_name: str = "aquaerp"
) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": application_name}},
    )


class Database:
    """Hands out units of work. Built on a pooled engine, or (in tests) on one connection
    inside an outer transaction that the test rolls back; units of work are then savepoints,
    taken one at a time because a connection runs one statement at a time."""

    def __init__(
        self, engine: AsyncEngine | None = None, *, connection: AsyncConnection | None = None
    ):
        if (engine is None) == (connection is None):
            raise ValueError("give an engine or a connection")
        self.engine = engine
        self._connection = connection
        if connection is not None:
            self._sessions = async_sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self._lock: asyncio.Lock | None = asyncio.Lock()
        else:
            self._sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
            self._lock = None

    @classmethod
    def from_url(
        cls, url: str, *, pool_size: int = 10, application_name: str = "aquaerp"
    ) -> Database:
        return cls(create_engine(url, pool_size=pool_size, application_name=application_name))

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        if self._lock is not None:
            async with self._lock:
                async with self._session() as session:
                    yield session
        else:
            async with self._session() as session:
                yield session

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = self._sessions()
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            await session.close()

    async def ping(self) -> None:
        async with self.unit_of_work() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
