"""The report PDF (French): an HTML template rendered by WeasyPrint in worker processes, never
on the event loop."""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

from jinja2 import Environment, PackageLoader, select_autoescape

T = TypeVar("T")


@dataclass(frozen=True)
class MeasurementLine:
    label: str
    value: str
    unit: str
    recommended: str
    warning: bool


@dataclass(frozen=True)
class PartLine:
    description: str
    product_code: str
    quantity: str
    unit: str
    unit_price: str
    billable: bool


@dataclass(frozen=True)
class SignatureBlock:
    signer_name: str
    signed_at: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


@dataclass(frozen=True)
class PhotoThumbnail:
    caption: str
    jpeg: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/jpeg;base64," + base64.b64encode(self.jpeg).decode()


@dataclass(frozen=True)
class ReportDocument:
    """Everything the report shows, already formatted for French readers."""

    reference: str
    title: str
    label: str
    problem_description: str
    site_name: str
    address_lines: list[str]
    technician_name: str
    planned_date: str
    started_at: str
    completed_at: str
    time_spent: str
    measurements: list[MeasurementLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The water test: readings with method and flags, then each pool's water balance.
    water_lines: list[MeasurementLine] = field(default_factory=list)
    water_notes: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    parts: list[PartLine] = field(default_factory=list)
    notes: str = ""
    customer_signature: SignatureBlock | None = None
    customer_absence_reason: str = ""
    technician_signature: SignatureBlock | None = None
    # The visit's photos (thumbnails), oldest first.
    photos: list[PhotoThumbnail] = field(default_factory=list)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("aquaerp_intervention", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def render_html(document: ReportDocument) -> str:
    return _environment().get_template("report.html.j2").render(report=document)


def render_pdf(document: ReportDocument) -> bytes:
    """Runs in a worker process."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(document)).write_pdf()
    return pdf


class ReportRenderer:
    """A pool of worker processes rendering report PDFs, started on first use."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, document: ReportDocument) -> bytes:
        return await self.run(render_pdf, document)

    async def run(self, function: Callable[[T], bytes], document: T) -> bytes:
        """Any PDF of the service rendered by `function` (a module-level one) in the pool."""
        if self._pool is None:
            # spawn, not fork: the gRPC runtime's threads must not be copied into workers.
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, document)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
