"""The renderer's output kept as it is: text, layout and Factur-X XML of a fixed set of documents.

Each document's reference (`reference/<name>.txt`: every page's text in pypdf's layout mode,
which places each run of text on a character grid from its position on the page;
`reference/<name>.xml`: the embedded factur-x.xml) was written by the renderer before any
rendering optimisation. A change that makes rendering cheaper must leave both unchanged.

Regenerate only for a deliberate change of what the documents show:
    uv run python services/facture/tests/documents/test_reference_documents.py
"""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from facturx import get_facturx_xml_from_pdf
from pypdf import PdfReader

from aquaerp_facture.documents import Document, DocumentRenderer, Line, Unit

try:
    from .conftest import PRIVATE_BUYER, credit_note, multi_rate_invoice
except ImportError:  # run as a script to regenerate the references
    from conftest import PRIVATE_BUYER, credit_note, multi_rate_invoice  # type: ignore[no-redef]

REFERENCE = Path(__file__).parent / "reference"
PAGE_BREAK = "\n\f\n"


def _long_invoice() -> Document:
    lines = tuple(
        Line(f"Visite d'entretien n° {index}", Decimal("1"), Unit.PIECE, 4500, Decimal("20"))
        for index in range(1, 46)
    )
    return multi_rate_invoice(number="FA-2026-000045", lines=lines, allowances=())


DOCUMENTS: dict[str, Callable[[], Document]] = {
    "multi-rate-invoice": multi_rate_invoice,
    "consumer-invoice": lambda: multi_rate_invoice(
        number="FA-2026-000002", buyer=PRIVATE_BUYER, delivery_address=None, purchase_order=None
    ),
    "credit-note": credit_note,
    "long-invoice": _long_invoice,
}


def layout_text(pdf: bytes) -> str:
    """Every page's text placed on a character grid by its position (pypdf layout mode)."""
    reader = PdfReader(io.BytesIO(pdf))
    return PAGE_BREAK.join(page.extract_text(extraction_mode="layout") for page in reader.pages)


def embedded_xml(pdf: bytes) -> bytes:
    _, xml = get_facturx_xml_from_pdf(io.BytesIO(pdf), check_xsd=False)
    return bytes(xml)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_rendering_matches_the_reference(name: str, renderer: DocumentRenderer) -> None:
    rendered = renderer.render(DOCUMENTS[name]())

    assert layout_text(rendered.pdf) == (REFERENCE / f"{name}.txt").read_text(encoding="utf-8")
    assert embedded_xml(rendered.pdf) == (REFERENCE / f"{name}.xml").read_bytes()
    assert rendered.xml == (REFERENCE / f"{name}.xml").read_bytes()


def write_references() -> None:
    renderer = DocumentRenderer()
    REFERENCE.mkdir(exist_ok=True)
    for name, build in DOCUMENTS.items():
        pdf = renderer.render(build()).pdf
        (REFERENCE / f"{name}.txt").write_text(layout_text(pdf), encoding="utf-8")
        (REFERENCE / f"{name}.xml").write_bytes(embedded_xml(pdf))


if __name__ == "__main__":
    write_references()
