"""Where the photos' bytes live, behind one interface.

- `PostgresPhotoStore` (the default, locally and in tests): a bytea table of the intervention
  schema, written in the same transaction as the photo's metadata, so a refused or failed upload
  leaves nothing behind.
- `FilePhotoStore`: files under a directory (`INTERVENTION_PHOTO_DIR`), written to a temporary
  name then renamed; a failed transaction may leave an unreferenced file, never a reference to a
  missing one.
- S3-compatible object storage (DigitalOcean Spaces in production) is the same three calls on
  a bucket (PUT/GET/DELETE object by key); it is not implemented yet: see
  docs/services/intervention.md.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from .photo_repository import PhotoRepository


class PhotoStore(Protocol):
    """Stores bytes by key. `session` is the unit of work of the call (stores that live in the
    database write through it; the others ignore it)."""

    async def put(self, session: AsyncSession, key: str, content: bytes) -> None: ...

    async def get(self, session: AsyncSession, key: str) -> bytes | None: ...

    async def delete(self, session: AsyncSession, key: str) -> None: ...


class PostgresPhotoStore:
    async def put(self, session: AsyncSession, key: str, content: bytes) -> None:
        await PhotoRepository(session).put_object(key, content)

    async def get(self, session: AsyncSession, key: str) -> bytes | None:
        return await PhotoRepository(session).get_object(key)

    async def delete(self, session: AsyncSession, key: str) -> None:
        await PhotoRepository(session).delete_object(key)


class FilePhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"photo key outside the store: {key!r}")
        return path

    def _write(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put(self, session: AsyncSession, key: str, content: bytes) -> None:
        await asyncio.to_thread(self._write, key, content)

    async def get(self, session: AsyncSession, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, key)

    async def delete(self, session: AsyncSession, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


def photo_store(kind: str, directory: str) -> PhotoStore:
    """The store named by the settings (`INTERVENTION_PHOTO_STORE`)."""
    if kind == "files":
        if not directory:
            raise ValueError(
                "INTERVENTION_PHOTO_DIR is required with INTERVENTION_PHOTO_STORE=files"
            )
        return FilePhotoStore(Path(directory))
    if kind == "postgres":
        return PostgresPhotoStore()
    raise ValueError(f"unknown photo store {kind!r} (postgres or files)")
