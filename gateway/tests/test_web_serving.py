"""The gateway serving the built web app: hashed assets cached for a year as immutable, the
page and the service worker revalidated at every use, text compressed with gzip for clients
that accept it, and client routes answered with the page."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx

from .conftest import GatewayFactory

SCRIPT = "export const screens = [" + ",".join(f'"écran {i}"' for i in range(400)) + "]\n"
PAGE = "<!doctype html><title>AquaERP</title>" + "<!-- app shell -->" * 100


async def test_hashed_assets_immutable_page_revalidated_text_compressed(
    start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "index-3f9a1c.js").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "assets" / "logo-77aa.png").write_bytes(b"\x89PNG" + b"\x00" * 2000)
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {})\n" * 40)
    gateway = await start_gateway(web_dist=tmp_path)
    async with httpx.AsyncClient(base_url=gateway.base_url) as client:
        script = await client.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
        assert script.status_code == 200
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert script.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in script.headers["vary"].lower()
        assert script.text == SCRIPT  # httpx decodes it
        assert int(script.headers["content-length"]) < len(SCRIPT.encode()) / 3

        # A client that does not accept gzip gets the file as it is.
        plain = await client.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == SCRIPT

        # Images are not compressed again, still immutable.
        image = await client.get("/assets/logo-77aa.png", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in image.headers
        assert image.headers["cache-control"].endswith("immutable")

        for path in ("/", "/index.html", "/factures/a-valider", "/sw.js"):
            answer = await client.get(path, headers={"Accept-Encoding": "gzip"})
            assert answer.status_code == 200, path
            assert answer.headers["cache-control"] == "no-cache", path
            assert answer.headers["content-encoding"] == "gzip", path
        page = await client.get("/tech", headers={"Accept-Encoding": "gzip"})
        assert page.text == PAGE
        # Revalidation: unchanged, the page is not sent again.
        again = await client.get("/index.html", headers={"If-None-Match": page.headers["etag"]})
        assert again.status_code == 304

        # The bytes on the wire are gzip.
        async with client.stream(
            "GET", "/index.html", headers={"Accept-Encoding": "gzip"}
        ) as streamed:
            wire = b"".join([chunk async for chunk in streamed.aiter_raw()])
        assert gzip.decompress(wire).decode() == PAGE
        missing = await client.get("/api/v1/nothing-here")
        assert missing.status_code == 404
