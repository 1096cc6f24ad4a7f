"""Documents to Factur-X PDFs: jinja2 HTML, WeasyPrint layout, PDF/A-3 packaging.

A `DocumentRenderer` holds everything that costs to prepare (the subset fonts, the parsed
stylesheet with its font configuration, the template, an image cache for the logo), so one
renderer per process renders each document with no font loading or template work. It is not
thread-safe: use one per thread or process (see `pool.RenderPool`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, time
from importlib import resources
from typing import Any

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from aquaerp_facture.documents import mentions
from aquaerp_facture.documents.cii import build_cii
from aquaerp_facture.documents.facturx import write_facturx_pdf
from aquaerp_facture.documents.fonts import DocumentFonts
from aquaerp_facture.documents.model import Document, DocumentType
from aquaerp_facture.documents.totals import Totals, compute_totals

TEMPLATES = resources.files("aquaerp_facture.documents") / "templates"
# Everything a document shows is inline (fonts and logo as data: URLs): never fetch a file
# or a network resource while rendering, whatever the document's text contains.
_INLINE_ONLY = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
TITLES = {DocumentType.INVOICE: "Facture", DocumentType.CREDIT_NOTE: "Avoir"}


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """The issued file and what it was built from."""

    pdf: bytes  # Factur-X EN 16931: PDF/A-3b with factur-x.xml embedded
    xml: bytes  # the embedded factur-x.xml, as embedded
    totals: Totals


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (TEMPLATES / name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        euros=mentions.format_euros,
        rate=mentions.format_rate,
        decimal=mentions.format_decimal,
        date=mentions.format_date,
    )
    return environment


def _grouped_iban(iban: str) -> str:
    return " ".join(iban[index : index + 4] for index in range(0, len(iban), 4))


class DocumentRenderer:
    """Renders documents; build one per process, then call `render` for each document."""

    def __init__(self, fonts: DocumentFonts | None = None) -> None:
        self._fonts = fonts if fonts is not None else DocumentFonts.subset()
        self._template = _environment().get_template("document.html.j2")
        self._font_config = FontConfiguration()
        css = (TEMPLATES / "document.css").read_text(encoding="utf-8")
        self._stylesheet = CSS(
            string=self._fonts.stylesheet() + "\n" + css,
            font_config=self._font_config,
            url_fetcher=_INLINE_ONLY,
        )
        self._image_cache: dict[str, Any] = {}

    def html(self, document: Document, totals: Totals | None = None) -> str:
        """The HTML the PDF is laid out from (useful to preview a draft in a browser)."""
        totals = totals or compute_totals(document)
        seller = document.seller
        logo_url = None
        if seller.logo is not None:
            encoded = base64.b64encode(seller.logo.content).decode("ascii")
            logo_url = f"data:{seller.logo.media_type};base64,{encoded}"
        return self._template.render(
            document=document,
            seller=seller,
            buyer=document.buyer,
            title=TITLES[document.type],
            totals=totals,
            lines=list(zip(document.lines, totals.lines, strict=True)),
            logo_url=logo_url,
            iban=_grouped_iban(seller.iban),
            seller_identity=mentions.seller_identity(seller),
            operation_category=mentions.OPERATION_CATEGORY_LABELS[document.operation_category],
            payment_terms=mentions.payment_terms(document),
            mentions=mentions.payment_mentions(document),
        )

    def render(self, document: Document) -> RenderedDocument:
        """The Factur-X PDF of a document (~100 ms of CPU for a one-page invoice)."""
        totals = compute_totals(document)
        html = self.html(document, totals)
        xml = build_cii(document, totals)
        pages = HTML(string=html, url_fetcher=_INLINE_ONLY).render(
            stylesheets=[self._stylesheet],
            font_config=self._font_config,
            cache=self._image_cache,
        )
        issued = datetime.combine(document.issue_date, time())
        full_fonts = self._fonts.embed_whole(html)
        pdf = write_facturx_pdf(pages, xml, issued=issued, full_fonts=full_fonts)
        return RenderedDocument(pdf=pdf, xml=xml, totals=totals)
