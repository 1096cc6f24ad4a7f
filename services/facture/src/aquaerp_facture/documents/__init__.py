"""The document engine: an invoice or credit note in, a Factur-X EN 16931 PDF out.

Pure and service-independent: no database, no gRPC. Build a `Document` (validated on
construction, `InvalidDocument` otherwise), then either render it in-process with a
`DocumentRenderer` (one per process) or from asyncio with a `RenderPool`.
"""

from aquaerp_facture.documents.cii import build_cii
from aquaerp_facture.documents.fonts import DocumentFonts, FontsUnavailable
from aquaerp_facture.documents.model import (
    AUTOLIQUIDATION,
    FRANCHISE_EN_BASE,
    Address,
    Allowance,
    Buyer,
    Document,
    DocumentType,
    InvalidDocument,
    InvoiceReference,
    Line,
    Logo,
    OperationCategory,
    Period,
    Seller,
    Unit,
    VatCategory,
    VatExemption,
)
from aquaerp_facture.documents.pool import RenderPool
from aquaerp_facture.documents.render import DocumentRenderer, RenderedDocument
from aquaerp_facture.documents.serialize import canonical_json, from_data, to_data
from aquaerp_facture.documents.totals import LineAmounts, Totals, VatBreakdown, compute_totals

__all__ = [
    "AUTOLIQUIDATION",
    "FRANCHISE_EN_BASE",
    "Address",
    "Allowance",
    "Buyer",
    "Document",
    "DocumentFonts",
    "DocumentRenderer",
    "DocumentType",
    "FontsUnavailable",
    "InvalidDocument",
    "InvoiceReference",
    "Line",
    "LineAmounts",
    "Logo",
    "OperationCategory",
    "Period",
    "RenderPool",
    "RenderedDocument",
    "Seller",
    "Totals",
    "Unit",
    "VatBreakdown",
    "VatCategory",
    "VatExemption",
    "build_cii",
    "canonical_json",
    "compute_totals",
    "from_data",
    "to_data",
]
