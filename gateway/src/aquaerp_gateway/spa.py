"""Serves the built web app; unknown paths outside /api fall back to index.html (client routing).

Caching: the build's hashed files (`assets/…`, a new name at every change) are cached for a
year as immutable; everything else (index.html, the service worker, the manifest) is revalidated
at every use (`no-cache`, answered 304 when unchanged), so a new build is picked up at once.
Compression: text files are sent gzip-compressed to clients that accept it, compressed once per
file version and kept in memory.
"""

from __future__ import annotations

import gzip
import os
from pathlib import PurePosixPath

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".svg", ".json", ".webmanifest", ".map", ".txt"}
# Smaller files gain nothing from compression.
MIN_COMPRESSED_SIZE = 1024


class SinglePageApp(StaticFiles):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # StaticFiles' own keywords
        # (path, mtime, size) -> gzip bytes; a new build gives new keys.
        self._gzipped: dict[tuple[str, int, int], bytes] = {}

    async def get_response(self, path: str, scope: Scope) -> Response:
        served = path
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or scope["path"].startswith("/api/"):
                raise
            served = "index.html"
            response = await super().get_response(served, scope)
        hashed = PurePosixPath(served).parts[:1] == ("assets",)
        response.headers["Cache-Control"] = IMMUTABLE if hashed else REVALIDATE
        if isinstance(response, FileResponse) and response.status_code == 200:
            return await self._compressed(response, scope)
        return response

    async def _compressed(self, response: FileResponse, scope: Scope) -> Response:
        file_path = str(response.path)
        if PurePosixPath(file_path).suffix not in COMPRESSIBLE:
            return response
        if "gzip" not in Headers(scope=scope).get("accept-encoding", ""):
            return response
        stat = os.stat(file_path)
        if stat.st_size < MIN_COMPRESSED_SIZE:
            return response
        key = (file_path, stat.st_mtime_ns, stat.st_size)
        body = self._gzipped.get(key)
        if body is None:
            body = await anyio.to_thread.run_sync(_gzip_file, file_path)
            self._gzipped[key] = body
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in ("content-length",)
        }
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
        return Response(
            b"" if scope["method"] == "HEAD" else body,
            status_code=200,
            headers=headers,
            media_type=response.media_type,
        )


def _gzip_file(path: str) -> bytes:
    with open(path, "rb") as source:
        return gzip.compress(source.read(), compresslevel=6, mtime=0)
