"""Rendering in worker processes, awaitable from asyncio.

PDF rendering is CPU-bound pure Python (WeasyPrint layout): it must never run on the event
loop, and threads would share one GIL. Each worker process holds one `DocumentRenderer`,
built by the pool initializer from fonts subset once in the parent, then renders a sample
document so that fontconfig, pango and the template are warm before the first real one.

Workers are started with `spawn`: forking a process that runs gRPC threads is unsafe.

A WeasyPrint rendering allocates a great many short-lived objects, many in reference cycles
(boxes point to their parents): with CPython's default thresholds the cyclic collector runs
some 25 times per one-page invoice, twice over the older generations. Once warm, a worker
moves what it keeps (renderer, fonts, stylesheet, caches) out of the collector's sight
(`gc.freeze`) and collects the young generation every `_YOUNG_GENERATION_THRESHOLD`
allocations: the same garbage is freed, with a few MB more held between collections.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from aquaerp_facture.documents.fonts import DEFAULT_FONT_DIR, DocumentFonts
from aquaerp_facture.documents.model import (
    Address,
    Buyer,
    Document,
    DocumentType,
    Line,
    OperationCategory,
    Seller,
    Unit,
)
from aquaerp_facture.documents.render import DocumentRenderer, RenderedDocument

_renderer: DocumentRenderer | None = None
_YOUNG_GENERATION_THRESHOLD = 50_000


def _warm_up_document() -> Document:
    address = Address("1 place de la République", "69001", "Lyon")
    return Document(
        type=DocumentType.INVOICE,
        number="WARM-UP",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        operation_category=OperationCategory.SERVICES,
        seller=Seller(
            name="Préchauffage",
            legal_form="SAS",
            share_capital_cents=100_000,
            address=address,
            siren="732829320",
            siret="73282932000074",
            rcs_city="RCS Lyon",
            vat_number="FR44732829320",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            late_penalty_rate=Decimal("10"),
        ),
        buyer=Buyer(name="Œuvre témoin", address=address, is_business=True, siren="552100554"),
        lines=(Line("Entretien — réglage", Decimal("1.5"), Unit.HOUR, 6000, Decimal("20")),),
    )


def _start_worker(fonts: DocumentFonts) -> None:
    global _renderer
    _renderer = DocumentRenderer(fonts)
    _renderer.render(_warm_up_document())
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_GENERATION_THRESHOLD, 20, 100)


def _worker_ready() -> int:
    # Held a little so that each worker, not only the first one up, answers a call.
    time.sleep(0.02)
    return os.getpid()


def _render_in_worker(document: Document) -> RenderedDocument:
    assert _renderer is not None, "the pool initializer builds the renderer"
    return _renderer.render(document)


class RenderPool:
    """A pool of rendering processes; `await pool.render(document)` from asyncio.

    Use as a context manager (sync or async), or call `close()`. Documents are pickled to
    the workers, so a logo travels with each document; keep logos small (tens of KB).
    """

    def __init__(self, processes: int = 2, *, font_dir: Path = DEFAULT_FONT_DIR) -> None:
        fonts = DocumentFonts.subset(font_dir)  # once here; raises FontsUnavailable early
        self.processes = processes
        self._executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(fonts,),
        )

    @property
    def executor(self) -> ProcessPoolExecutor:
        """The executor, for callers that schedule `run_in_executor` themselves."""
        return self._executor

    def submit(self, document: Document) -> Future[RenderedDocument]:
        return self._executor.submit(_render_in_worker, document)

    async def render(self, document: Document) -> RenderedDocument:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _render_in_worker, document)

    async def start(self) -> None:
        """Start every worker now and return once all have run their warm-up render."""
        loop = asyncio.get_running_loop()
        ready: set[int] = set()
        while len(ready) < self.processes:
            # A worker answers only after its initializer (renderer built and warmed).
            pids = await asyncio.gather(
                *(
                    loop.run_in_executor(self._executor, _worker_ready)
                    for _ in range(self.processes)
                )
            )
            ready.update(pids)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> RenderPool:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)
