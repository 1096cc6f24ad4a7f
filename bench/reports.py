"""Service reports: render, store and send N visit reports with 4 photos each, against
rendering the same PDFs alone (same run).

Each report has four photos as the phone uploads them (1600x1200 JPEG, the stored size, with
the GPS position the server strips). Full pipeline, per report, with the intervention
service's own code: the photos checked and cleaned (`photos.clean_photo`, in a thread), stored
with their thumbnails in the files photo store, the PDF rendered by the service's
`ReportRenderer` worker pool (2 processes), the PDF stored, then the e-mail composed by the
mailer's MIME writer (HTML + text, PDF attached) and sent with the mailer's SMTP connection to
an aiosmtpd sink in this process. Baseline: the same report documents rendered by a fresh
`ReportRenderer`, nothing stored or sent.

Figures: reports/s for both, their ratio, and the peak memory (VmHWM) of each rendering
worker process and of this process.

Usage: uv run python bench/reports.py [--reports 1000] [--concurrency 4] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aquaerp_intervention.photo_store import FilePhotoStore
from aquaerp_intervention.photos import clean_photo
from aquaerp_intervention.report_pdf import (
    MeasurementLine,
    PartLine,
    PhotoThumbnail,
    ReportDocument,
    ReportRenderer,
)
from aquaerp_mailer.config import MailerSettings
from aquaerp_mailer.mime import Envelope, Part, compose
from aquaerp_mailer.smtp import SmtpConnection
from aquaerp_runtime.testing.ports import free_port
from PIL import Image

GPS_IFD = 0x8825
WORKERS = 2
KINDS = ("Avant", "Après", "Skimmer", "Local technique")


def phone_photo(seed: int) -> bytes:
    """A 1600x1200 JPEG as the phone sends it (already resized), with its GPS position."""
    noise = Image.effect_noise((1600, 1200), 40 + seed * 5).convert("RGB")
    tint = Image.new("RGB", (1600, 1200), (20 + seed * 50, 110, 190 - seed * 40))
    image = Image.blend(noise, tint, 0.6)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (43.0, 37.0, 39.0), 3: "E", 4: (7.0, 5.0, 49.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def document(number: int) -> ReportDocument:
    return ReportDocument(
        reference=f"INT-2026-{number:05d}",
        title="Rapport d'intervention",
        label="Entretien hebdomadaire",
        problem_description="",
        site_name=f"Villa {number}",
        address_lines=["3 chemin des Vignes", "06410 Biot"],
        technician_name="Marc Dupuis",
        planned_date="15/07/2026",
        started_at="15/07/2026 09:00",
        completed_at="15/07/2026 09:45",
        time_spent="45 min",
        measurements=[
            MeasurementLine("pH", "7,8", "", "7,0 à 7,6", True),
            MeasurementLine("Chlore libre", "1,2", "mg/L", "1 à 3", False),
            MeasurementLine("TAC", "100", "mg/L", "80 à 120", False),
            MeasurementLine("Température", "26", "°C", "", False),
        ],
        actions=["Brossage des parois", "Lavage du filtre (contre-lavage)"],
        parts=[PartLine("pH moins granulés", "PHM", "2,11", "kg", "4,50 €", False)],
        notes="pH un peu haut : correcteur ajouté.",
    )


@dataclass
class Sink:
    messages: int = 0
    bytes: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        self.bytes += len(envelope.content)
        return "250 OK"


async def warm_up(renderer: ReportRenderer) -> None:
    """Both workers started and WeasyPrint loaded, outside the timed part."""
    await asyncio.gather(*(renderer.render(document(0)) for _ in range(2 * WORKERS)))


def worker_peaks(renderer: ReportRenderer) -> list[int]:
    """VmHWM (kB) of the renderer's worker processes, read before the pool closes."""
    pool = renderer._pool
    peaks = []
    for pid in list(getattr(pool, "_processes", {}) or {}):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]))
    return peaks


async def full_run(
    count: int, concurrency: int, photos: list[bytes], root: Path, smtp: MailerSettings
) -> tuple[float, list[int], list[ReportDocument]]:
    store = FilePhotoStore(root)
    renderer = ReportRenderer(WORKERS)
    documents: list[ReportDocument] = []
    slots = asyncio.Semaphore(concurrency)
    connections: asyncio.Queue[SmtpConnection] = asyncio.Queue()
    for _ in range(concurrency):
        connection = SmtpConnection(smtp)
        await connection.connect()
        connections.put_nowait(connection)

    async def one(number: int) -> None:
        async with slots:
            visit = uuid.uuid4().hex
            thumbnails = []
            for index, content in enumerate(photos):
                clean = await asyncio.to_thread(clean_photo, content)
                await store.put(None, f"{visit}/{index}.jpg", clean.content)
                await store.put(None, f"{visit}/{index}-thumb.jpg", clean.thumbnail)
                thumbnails.append(PhotoThumbnail(KINDS[index], clean.thumbnail))
            report = replace(document(number), photos=thumbnails)
            documents.append(report)
            pdf = await renderer.render(report)
            await store.put(None, f"{visit}/report.pdf", pdf)
            message = compose(
                Envelope(
                    message_id=f"<{visit}@aquaerp.local>",
                    sender="rapports@aquaerp.local",
                    sender_name="AquaERP",
                    to=[("client@example.fr", "Marco Rossi")],
                    cc=[],
                    reply_to="",
                    subject=f"Votre rapport d'intervention {report.reference}",
                    text="Bonjour, vous trouverez le rapport de la visite en pièce jointe.",
                    html="<p>Bonjour, vous trouverez le rapport de la visite en pièce jointe.</p>",
                    attachments=[Part(f"{report.reference}.pdf", "application/pdf", pdf)],
                    date=datetime(2026, 7, 15, 9, 45, tzinfo=UTC),
                )
            )
            connection = await connections.get()
            try:
                await connection.envelope("rapports@aquaerp.local", ["client@example.fr"])
                await connection.data(message)
            finally:
                connections.put_nowait(connection)

    await warm_up(renderer)
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for number in range(count):
            group.create_task(one(number))
    elapsed = time.perf_counter() - started
    peaks = worker_peaks(renderer)
    await renderer.close()
    while not connections.empty():
        await connections.get_nowait().close()
    return elapsed, peaks, documents


async def render_only(documents: list[ReportDocument], concurrency: int) -> tuple[float, list[int]]:
    renderer = ReportRenderer(WORKERS)
    slots = asyncio.Semaphore(concurrency)

    async def one(report: ReportDocument) -> None:
        async with slots:
            await renderer.render(report)

    await warm_up(renderer)
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for report in documents:
            group.create_task(one(report))
    elapsed = time.perf_counter() - started
    peaks = worker_peaks(renderer)
    await renderer.close()
    return elapsed, peaks


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    photos = [phone_photo(seed) for seed in range(4)]
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = MailerSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    try:
        with tempfile.TemporaryDirectory(prefix="aquaerp-bench-reports-") as directory:
            full_s, full_peaks, documents = await full_run(
                args.reports, args.concurrency, photos, Path(directory), smtp
            )
        base_s, base_peaks = await render_only(documents, args.concurrency)
    finally:
        controller.stop()
    assert sink.messages == args.reports, (sink.messages, args.reports)
    figures = {
        "reports": args.reports,
        "photos_per_report": len(photos),
        "photo_bytes_sent": [len(p) for p in photos],
        "render_workers": WORKERS,
        "concurrency": args.concurrency,
        "full_reports_per_s": round(args.reports / full_s, 2),
        "render_only_reports_per_s": round(args.reports / base_s, 2),
        "full_vs_render_only": round(base_s / full_s, 3),
        "full_worker_peak_kb": full_peaks,
        "render_only_worker_peak_kb": base_peaks,
        "worker_peak_ratio": round(max(full_peaks) / max(base_peaks), 3),
        "bench_process_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "emails_received": sink.messages,
        "mean_email_bytes": sink.bytes // max(1, sink.messages),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.reports} reports, 4 photos each, {WORKERS} render workers")
    print(
        f"  full (clean + store photos, render, store PDF, e-mail): {figures['full_reports_per_s']} reports/s"
    )
    print(
        f"  render only (same documents):                          {figures['render_only_reports_per_s']} reports/s"
    )
    print(f"  full / render-only throughput: {figures['full_vs_render_only']}")
    print(f"  render worker peak memory: full {full_peaks} kB, render only {base_peaks} kB")
    print(
        f"  e-mails received by the sink: {sink.messages}, {figures['mean_email_bytes']} bytes each"
    )


if __name__ == "__main__":
    asyncio.run(main())
