"""Factur-X rendering speed: naive WeasyPrint vs the document engine, then the process pool.

Single-process variants run with both WeasyPrint font subsetters (HarfBuzz-subset when the
library is installed, and its fontTools fallback). Every variant renders the same one-page,
8-line invoice with the same template into the same output (PDF/A-3b with the embedded
factur-x.xml):

- naive: system font found by fontconfig, stylesheet parsed for every document, WeasyPrint
  subsets the fonts for every document;
- system font, warm stylesheet: stylesheet and font configuration built once;
- engine: `DocumentRenderer`: DejaVu Sans subset once at start to the French repertoire,
  stylesheet and font configuration built once; per PDF the small font is subset by
  HarfBuzz, or embedded whole when WeasyPrint falls back to fontTools;
- pool: `RenderPool(processes=2)` awaited from asyncio, PDFs per second.

Usage: uv run python bench/facture_render.py [--count 30] [--pool-count 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal

from aquaerp_facture.documents import (
    Address,
    Buyer,
    Document,
    DocumentFonts,
    DocumentRenderer,
    DocumentType,
    Line,
    OperationCategory,
    Period,
    RenderPool,
    Seller,
    Unit,
    build_cii,
)
from aquaerp_facture.documents.facturx import write_facturx_pdf
from aquaerp_facture.documents.render import TEMPLATES
from weasyprint import CSS, HTML
from weasyprint.pdf import fonts as weasyprint_pdf_fonts


def eight_line_invoice(number: int) -> Document:
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    items = [
        ("Entretien mensuel piscine - mars 2026", "1", Unit.MONTH, 18500, "20"),
        ("Main d'œuvre dépannage pompe de filtration", "1.5", Unit.HOUR, 6250, "20"),
        ("Chlore lent galets 5 kg", "3", Unit.PIECE, 4599, "20"),
        ("pH moins granulés 6 kg", "2", Unit.PIECE, 2890, "20"),
        ("Remplacement joint de couvercle préfiltre", "1", Unit.PIECE, 1450, "20"),
        ("Nettoyage ligne d'eau", "1", Unit.LUMP_SUM, 9000, "10"),
        ("Analyse d'eau complète", "1", Unit.LUMP_SUM, 3500, "20"),
        ("Déplacement zone 2", "1", Unit.LUMP_SUM, 2500, "20"),
    ]
    return Document(
        type=DocumentType.INVOICE,
        number=f"FA-2026-{number:06d}",
        issue_date=date(2026, 3, 31),
        due_date=date(2026, 4, 30),
        operation_category=OperationCategory.SERVICES,
        billing_period=march,
        seller=Seller(
            name="Aqua Services Lyon",
            legal_form="SAS",
            share_capital_cents=5_000_000,
            address=Address("12 rue des Remparts d'Ainay", "69002", "Lyon"),
            siren="732829320",
            siret="73282932000074",
            rcs_city="RCS Lyon",
            vat_number="FR44732829320",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            late_penalty_rate=Decimal("12.5"),
            email="compta@aqua-services.example",
        ),
        buyer=Buyer(
            name="SCI Résidence Les Œillets",
            address=Address("4 allée des Pins", "69110", "Sainte-Foy-lès-Lyon"),
            is_business=True,
            siren="552100554",
            vat_number="FR40552100554",
        ),
        lines=tuple(
            Line(text, Decimal(quantity), unit, price, Decimal(rate))
            for text, quantity, unit, price, rate in items
        ),
    )


def naive_renderer() -> Callable[[Document], bytes]:
    """What a first implementation does: parse everything and subset fonts for each PDF."""
    template = DocumentRenderer(DocumentFonts.system())
    css = DocumentFonts.system().stylesheet() + (TEMPLATES / "document.css").read_text()

    def render(document: Document) -> bytes:
        pages = HTML(string=template.html(document)).render(stylesheets=[CSS(string=css)])
        issued = datetime.combine(document.issue_date, time_of_day())
        return write_facturx_pdf(pages, build_cii(document), issued=issued, full_fonts=False)

    return render


def ms_per_pdf(render: Callable[[Document], object], count: int) -> tuple[float, float]:
    """Median wall-clock and median CPU milliseconds per PDF (CPU time is what other load
    on a shared machine disturbs least)."""
    render(eight_line_invoice(0))  # warm-up
    wall, cpu = [], []
    for number in range(1, count + 1):
        document = eight_line_invoice(number)
        start, start_cpu = time.perf_counter(), time.process_time()
        render(document)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


async def pool_run(processes: int, count: int) -> tuple[float, float]:
    """PDFs per second through a started pool, and the CPU seconds its workers used in all
    (start-up included; they are counted once the pool is closed and the workers reaped)."""
    documents = [eight_line_invoice(number) for number in range(1, count + 1)]
    cpu_before = _children_cpu()
    async with RenderPool(processes=processes) as pool:
        start = time.perf_counter()
        await asyncio.gather(*(pool.render(document) for document in documents))
        elapsed = time.perf_counter() - start
    return (count / elapsed if count else 0.0), _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="PDFs per single-process variant")
    parser.add_argument("--pool-count", type=int, default=120, help="PDFs through the pool")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    start = time.perf_counter()
    engine = DocumentRenderer()
    print(f"engine start (font subset + stylesheet): {(time.perf_counter() - start) * 1000:.0f} ms")

    has_harfbuzz = weasyprint_pdf_fonts.harfbuzz_subset is not None
    subsetters = (["HarfBuzz"] if has_harfbuzz else []) + ["fontTools"]
    engine_wall = 0.0
    for subsetter in subsetters:
        saved = weasyprint_pdf_fonts.harfbuzz_subset
        if subsetter == "fontTools":  # WeasyPrint's fallback without libharfbuzz-subset0
            weasyprint_pdf_fonts.harfbuzz_subset = None
        variants = {
            "naive (system font, parse + subset per PDF)": naive_renderer(),
            "system font, warm stylesheet": DocumentRenderer(DocumentFonts.system()).render,
            "engine (pre-subset font)": engine.render,
        }
        print(
            f"\nWeasyPrint subsetting with {subsetter}, single process, {args.count} PDFs each"
            " (median wall ms / median CPU ms per PDF):"
        )
        results = {}
        for name, render in variants.items():
            results[name] = ms_per_pdf(render, args.count)
            print(f"  {name:46s} {results[name][0]:7.1f} / {results[name][1]:7.1f} ms")
        naive = results["naive (system font, parse + subset per PDF)"]
        fast = results["engine (pre-subset font)"]
        print(
            f"  engine vs naive: {naive[0] / fast[0]:.2f}x faster (wall),"
            f" {naive[1] / fast[1]:.2f}x less CPU"
        )
        if subsetter == subsetters[0]:
            engine_wall = fast[0]
        weasyprint_pdf_fonts.harfbuzz_subset = saved

    _, startup_cpu = asyncio.run(pool_run(args.processes, 0))
    rate, run_cpu = asyncio.run(pool_run(args.processes, args.pool_count))
    pool_cpu_ms = (run_cpu - startup_cpu) / args.pool_count * 1000
    print(
        f"\npool ({subsetters[0]}), {args.processes} processes, {args.pool_count} PDFs:"
        f" {rate:.1f} PDFs/s ({1000 / rate:.1f} ms per PDF, wall)"
    )
    single = 1000 / engine_wall
    print(f"  vs one engine process in this run ({single:.1f} PDFs/s): {rate / single:.2f}x")
    print(f"  worker CPU per PDF, pool start-up excluded: {pool_cpu_ms:.1f} ms")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
