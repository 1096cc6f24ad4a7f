"""All SQL of the gateway (idempotency keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import idempotency_keys as keys


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status_code: int | None
    headers: list[list[str]] | None
    body: bytes | None


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, scope: str, key: str, request_hash: str) -> bool:
        """Records the key as in progress; False when it already exists."""
        inserted = await self.session.scalar(
            insert(keys)
            .values(scope=scope, key=key, request_hash=request_hash)
            .on_conflict_do_nothing()
            .returning(keys.c.key)
        )
        return inserted is not None

    async def get(self, scope: str, key: str) -> StoredResponse | None:
        row = (
            await self.session.execute(
                select(keys.c.request_hash, keys.c.status_code, keys.c.headers, keys.c.body).where(
                    keys.c.scope == scope, keys.c.key == key
                )
            )
        ).first()
        return StoredResponse(*row) if row else None

    async def complete(
        self,
        scope: str,
        key: str,
        status_code: int,
        headers: list[list[str]],
        body: bytes,
        completed_at: datetime,
    ) -> None:
        await self.session.execute(
            update(keys)
            .where(keys.c.scope == scope, keys.c.key == key)
            .values(
                status_code=status_code,
                headers=headers,
                body=body,
                completed_at=completed_at,
            )
        )

    async def release(self, scope: str, key: str) -> None:
        await self.session.execute(delete(keys).where(keys.c.scope == scope, keys.c.key == key))

    async def purge_older_than(self, cutoff: datetime) -> None:
        await self.session.execute(delete(keys).where(keys.c.created_at < cutoff))
