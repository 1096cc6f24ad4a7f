"""Visit photos: upload (checked, location stripped, idempotent on the phone's id), list,
download, removal, and the thumbnails the report PDF shows."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from aquaerp_runtime.authz import current_principal
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from .access import parse_id, reportable_intervention, visible_intervention
from .lifecycle import Status
from .photo_repository import PhotoRepository, PhotoRow
from .photo_store import PhotoStore
from .photos import THUMBNAIL_TYPE, CleanPhoto, PhotoKind, clean_photo
from .repository import InterventionRepository, InterventionRow
from .water_repository import WaterRepository

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
KIND_LABELS = {
    PhotoKind.BEFORE: "Avant",
    PhotoKind.AFTER: "Après",
    PhotoKind.CHECKLIST_ITEM: "Check-list",
}


@dataclass(frozen=True)
class PhotoUpload:
    intervention_id: str
    photo_id: str
    kind: PhotoKind
    checklist_item_key: str
    taken_at: datetime | None
    content: bytes


@dataclass(frozen=True)
class ReportPhoto:
    """A thumbnail as the report PDF prints it."""

    caption: str
    jpeg: bytes


def _check_kind(kind: PhotoKind, key: str) -> None:
    if kind == PhotoKind.CHECKLIST_ITEM and not key:
        raise InvalidArgument(
            "checklist_item_key is required for a checklist item photo",
            fields={"checklist_item_key": "obligatoire pour une photo de check-list"},
        )
    if kind != PhotoKind.CHECKLIST_ITEM and key:
        raise InvalidArgument(
            "checklist_item_key is only for a checklist item photo",
            fields={"checklist_item_key": "seulement pour une photo de check-list"},
        )


async def _check_item(session: AsyncSession, key: str) -> None:
    templates = await WaterRepository(session).templates()
    if not any(item.get("key") == key for items in templates.values() for item in items):
        raise InvalidArgument(
            "unknown checklist item",
            fields={"checklist_item_key": "n'est pas un élément de check-list"},
        )


def _existing(found: PhotoRow, row: InterventionRow) -> PhotoRow:
    if found.intervention_id != row.id:
        raise AlreadyExists(
            "this photo id belongs to another visit", fields={"photo_id": "déjà utilisé"}
        )
    return found


class PhotoService:
    def __init__(self, database: Database, store: PhotoStore, clock: Clock, max_bytes: int) -> None:
        self.database = database
        self.store = store
        self.clock = clock
        self.max_bytes = max_bytes

    async def upload(self, upload: PhotoUpload) -> PhotoRow:
        photo_id = parse_id(upload.photo_id, "photo_id")
        _check_kind(upload.kind, upload.checklist_item_key)
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(
                InterventionRepository(session), upload.intervention_id
            )
            found = await PhotoRepository(session).photo(photo_id)
            if found is not None:
                return _existing(found, row)
            if row.status == Status.CANCELLED:
                raise FailedPrecondition("la visite est annulée", fields={"status": row.status})
            if upload.kind == PhotoKind.CHECKLIST_ITEM:
                await _check_item(session, upload.checklist_item_key)
        # Decoding and re-encoding is CPU work: off the event loop, outside any transaction.
        clean = await asyncio.to_thread(clean_photo, upload.content, self.max_bytes)
        return await self._store(row.id, photo_id, upload, clean)

    async def _store(
        self,
        intervention_id: uuid.UUID,
        photo_id: uuid.UUID,
        upload: PhotoUpload,
        clean: CleanPhoto,
    ) -> PhotoRow:
        now = self.clock.now()
        prefix = f"visits/{intervention_id}/{photo_id}"
        values = {
            "id": photo_id,
            "intervention_id": intervention_id,
            "kind": upload.kind.value,
            "checklist_item_key": upload.checklist_item_key,
            "taken_at": upload.taken_at or clean.taken_at or now,
            "uploaded_at": now,
            "uploaded_by": current_principal().subject,
            "content_type": clean.content_type,
            "size_bytes": len(clean.content),
            "width": clean.width,
            "height": clean.height,
            "sha256": clean.sha256,
            "storage_key": f"{prefix}.{EXTENSIONS[clean.content_type]}",
            "thumbnail_key": f"{prefix}-thumb.jpg",
        }
        async with self.database.unit_of_work() as session:
            repo = PhotoRepository(session)
            if await repo.insert_photo(values):
                await self.store.put(session, str(values["storage_key"]), clean.content)
                await self.store.put(session, str(values["thumbnail_key"]), clean.thumbnail)
            stored = await repo.photo(photo_id)
            assert stored is not None
            # A concurrent retry of the same upload may have stored it first: same answer.
            if stored.intervention_id != intervention_id:
                raise AlreadyExists(
                    "this photo id belongs to another visit", fields={"photo_id": "déjà utilisé"}
                )
            return stored

    async def list(self, intervention_id: str) -> list[PhotoRow]:
        async with self.database.unit_of_work() as session:
            row = await visible_intervention(InterventionRepository(session), intervention_id)
            return await PhotoRepository(session).visit_photos(row.id)

    async def _photo(self, session: AsyncSession, row: InterventionRow, photo_id: str) -> PhotoRow:
        found = await PhotoRepository(session).photo(parse_id(photo_id, "photo_id"))
        if found is None or found.intervention_id != row.id:
            raise NotFound("photo not found")
        return found

    async def content(
        self, intervention_id: str, photo_id: str, thumbnail: bool
    ) -> tuple[PhotoRow, str, bytes]:
        async with self.database.unit_of_work() as session:
            row = await visible_intervention(InterventionRepository(session), intervention_id)
            found = await self._photo(session, row, photo_id)
            key = found.thumbnail_key if thumbnail else found.storage_key
            data = await self.store.get(session, key)
        if data is None:
            raise NotFound("photo content not found")
        return found, THUMBNAIL_TYPE if thumbnail else found.content_type, data

    async def delete(self, intervention_id: str, photo_id: str) -> None:
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(
                InterventionRepository(session), intervention_id, for_update=True
            )
            if row.status in (Status.COMPLETED, Status.CANCELLED):
                raise FailedPrecondition(
                    "la visite est terminée : ses photos restent", fields={"status": row.status}
                )
            found = await self._photo(session, row, photo_id)
            await PhotoRepository(session).delete_photo(found.id)
            await self.store.delete(session, found.storage_key)
            await self.store.delete(session, found.thumbnail_key)


async def report_photos(
    session: AsyncSession, store: PhotoStore, intervention_id: uuid.UUID
) -> list[ReportPhoto]:
    """The visit's thumbnails, oldest first, captioned in French, for the report PDF."""
    photos = []
    for photo in await PhotoRepository(session).visit_photos(intervention_id):
        jpeg = await store.get(session, photo.thumbnail_key)
        if jpeg is None:
            continue
        caption = KIND_LABELS[PhotoKind(photo.kind)]
        if photo.checklist_item_key:
            caption = f"{caption} : {photo.checklist_item_key.replace('_', ' ')}"
        photos.append(ReportPhoto(caption, jpeg))
    return photos
