"""Rendering in worker processes from asyncio."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from facturx import get_facturx_xml_from_pdf

from aquaerp_facture.documents import Document, FontsUnavailable, RenderPool, build_cii


async def test_pool_renders_concurrently_in_two_processes(
    make_invoice: Callable[..., Document], make_credit_note: Callable[..., Document]
) -> None:
    documents = [make_invoice(number=f"FA-2026-{n:06d}") for n in range(1, 5)]
    documents.append(make_credit_note())

    async with RenderPool(processes=2) as pool:
        worker_pids = {process.pid for process in pool.executor._processes.values()}
        rendering = asyncio.gather(*(pool.render(document) for document in documents))
        ticks = 0
        while not rendering.done():  # the event loop keeps running while workers render
            await asyncio.sleep(0.005)
            ticks += 1
        results = await rendering
    assert ticks >= 10

    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
    for document, result in zip(documents, results, strict=True):
        filename, xml = get_facturx_xml_from_pdf(io.BytesIO(result.pdf), check_xsd=False)
        assert filename == "factur-x.xml"
        assert xml == result.xml == build_cii(document)
        assert document.number.encode() in xml


def test_missing_font_is_reported_before_any_worker_starts(tmp_path: Path) -> None:
    with pytest.raises(FontsUnavailable, match="fonts-dejavu-core"):
        RenderPool(processes=1, font_dir=tmp_path)
