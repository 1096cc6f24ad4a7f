"""The facture metrics the dashboards and alerts read (docs/operations/monitoring.md); counted
after the transaction that issued the documents has committed."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Histogram

from .documents import DocumentType

BILLING_RUNS = Counter(
    "aquaerp_facture_billing_runs_total",
    "Billing runs finished (dry runs aside), by outcome: succeeded or failed",
    ["outcome"],
)
INVOICES_ISSUED = Counter("aquaerp_facture_invoices_issued_total", "Invoices issued")
ISSUED_AMOUNT = Counter(
    "aquaerp_facture_issued_amount_cents_total", "Total including VAT of the invoices issued"
)
PDF_RENDER_SECONDS = Histogram(
    "aquaerp_facture_pdf_render_seconds",
    "Rendering time of one Factur-X PDF: a batch's time x busy workers / its PDFs",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4),
)

CHAIN_LOCK_SECONDS_PER_INVOICE = Histogram(
    "aquaerp_facture_chain_lock_seconds_per_invoice",
    "Time a billing run batch holds the chain lock (numbering, hashing, inserts, events, until"
    " the commit) divided by the invoices it issued: the serial part of billing",
    buckets=(0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128),
)


def observe_chain_lock(seconds: float, invoices: int) -> None:
    """A batch held the chain lock `seconds` (lock to commit) to issue `invoices`."""
    if invoices:
        per_invoice = seconds / invoices
        for _ in range(invoices):
            CHAIN_LOCK_SECONDS_PER_INVOICE.observe(per_invoice)


def count_issued(documents: Iterable[tuple[DocumentType, int]]) -> None:
    """(type, total including VAT) of each document a committed transaction issued."""
    for kind, total_cents in documents:
        if kind is DocumentType.INVOICE:
            INVOICES_ISSUED.inc()
            ISSUED_AMOUNT.inc(total_cents)


def observe_rendering(seconds: float, pdfs: int, workers: int) -> None:
    """A batch of `pdfs` rendered in `seconds` by a pool of `workers` processes."""
    if pdfs:
        per_pdf = seconds * min(pdfs, workers) / pdfs
        for _ in range(pdfs):
            PDF_RENDER_SECONDS.observe(per_pdf)
