"""The hash chain of issued documents (inalterability, as Odoo and Dolibarr do it).

Each issued invoice or credit note stores `sha256(previous hash + canonical JSON of its legal
content)`. The legal content is the document exactly as issued (the engine's data: number,
dates, seller, buyer snapshot, lines, terms; never a database id, so a restored backup still
verifies) and the sha256 of the stored PDF, so that replacing the PDF breaks the chain too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .documents import Document, to_data

# The first document's "previous hash".
GENESIS = ""


def legal_data(document: Document) -> dict[str, Any]:
    """The document as stored and hashed: engine data without the logo (presentation only)."""
    data: dict[str, Any] = to_data(document)
    data["seller"].pop("logo", None)
    return data


def legal_content(document_data: dict[str, Any], pdf_sha256: str) -> bytes:
    """Canonical JSON: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(
        {"document": document_data, "pdf_sha256": pdf_sha256},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def link_hash(previous_hash: str, document_data: dict[str, Any], pdf_sha256: str) -> str:
    content = legal_content(document_data, pdf_sha256)
    return hashlib.sha256(previous_hash.encode("ascii") + content).hexdigest()


def pdf_digest(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()
