"""All SQL of the visit photos: their metadata and the PostgreSQL photo store's objects."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import interventions, photo_objects, visit_photos


@dataclass(frozen=True)
class PhotoRow:
    id: uuid.UUID
    intervention_id: uuid.UUID
    kind: str
    checklist_item_key: str
    taken_at: datetime
    uploaded_at: datetime
    uploaded_by: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    sha256: str
    storage_key: str
    thumbnail_key: str


def _row(mapping: Any) -> PhotoRow:
    return PhotoRow(**{name: mapping[name] for name in PhotoRow.__dataclass_fields__})


class PhotoRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def photo(self, photo_id: uuid.UUID) -> PhotoRow | None:
        found = (
            (await self.session.execute(select(visit_photos).where(visit_photos.c.id == photo_id)))
            .mappings()
            .first()
        )
        return _row(found) if found else None

    async def insert_photo(self, values: dict[str, Any]) -> bool:
        """False when a photo with this id exists already (a retried upload)."""
        inserted = await self.session.execute(
            pg_insert(visit_photos)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[visit_photos.c.id])
            .returning(visit_photos.c.id)
        )
        return inserted.first() is not None

    async def visit_photos(self, intervention_id: uuid.UUID) -> list[PhotoRow]:
        rows = (
            await self.session.execute(
                select(visit_photos)
                .where(visit_photos.c.intervention_id == intervention_id)
                .order_by(visit_photos.c.taken_at, visit_photos.c.id)
            )
        ).mappings()
        return [_row(r) for r in rows]

    async def customer_photos(self, customer_id: str) -> list[PhotoRow]:
        """Every photo of a customer's visits (GDPR export and erasure)."""
        visits = select(interventions.c.id).where(interventions.c.customer_id == customer_id)
        rows = (
            await self.session.execute(
                select(visit_photos)
                .where(visit_photos.c.intervention_id.in_(visits))
                .order_by(visit_photos.c.taken_at, visit_photos.c.id)
            )
        ).mappings()
        return [_row(r) for r in rows]

    async def delete_photo(self, photo_id: uuid.UUID) -> None:
        await self.session.execute(delete(visit_photos).where(visit_photos.c.id == photo_id))

    # -- the PostgreSQL photo store ------------------------------------------------------------
    async def put_object(self, key: str, content: bytes) -> None:
        await self.session.execute(
            pg_insert(photo_objects)
            .values(key=key, content=content)
            .on_conflict_do_update(index_elements=[photo_objects.c.key], set_={"content": content})
        )

    async def get_object(self, key: str) -> bytes | None:
        content: bytes | None = (
            await self.session.execute(
                select(photo_objects.c.content).where(photo_objects.c.key == key)
            )
        ).scalar_one_or_none()
        return content

    async def delete_object(self, key: str) -> None:
        await self.session.execute(delete(photo_objects).where(photo_objects.c.key == key))
