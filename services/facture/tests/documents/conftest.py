"""Documents shared by the document-engine tests, and the two real validators.

The EN 16931 validator is the official Schematron compiled to XSLT, read from
`../shared/en16931/` next to the repository; tests that need it skip when it is absent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aquaerp_facture.documents import (
    Address,
    Allowance,
    Buyer,
    Document,
    DocumentRenderer,
    DocumentType,
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

REPO_ROOT = Path(__file__).resolve().parents[4]
EN16931_XSLT = REPO_ROOT.parent / "shared" / "en16931" / "EN16931-CII-validation.xslt"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}

# A small vector logo, drawn here so the tests need no file.
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60">'
    b'<rect width="200" height="60" rx="8" fill="#0b5a7a"/>'
    b'<circle cx="30" cy="30" r="18" fill="#7fd3f0"/>'
    b"</svg>"
)

SELLER = Seller(
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
    bank_name="Crédit Agricole Centre-Est",
    late_penalty_rate=Decimal("12.5"),
    early_payment_terms="Pas d'escompte pour paiement anticipé.",
    vat_on_debits=True,
    email="compta@aqua-services.example",
    phone="04 72 00 00 00",
    logo=Logo(LOGO_SVG, "image/svg+xml"),
)

BUSINESS_BUYER = Buyer(
    name="SCI Résidence Les Œillets",
    address=Address("4 allée des Pins", "69110", "Sainte-Foy-lès-Lyon"),
    is_business=True,
    siren="552100554",
    vat_number="FR40552100554",
    customer_number="C-0042",
    email="syndic@oeillets.example",
)

PRIVATE_BUYER = Buyer(
    name="Mme Hélène Durand",
    address=Address("9 chemin des Vignes", "69300", "Caluire-et-Cuire"),
    is_business=False,
    customer_number="C-0107",
)

EXEMPTION = VatExemption("Exonération de TVA, article 261-4 du CGI", "VATEX-FR-CGI261-4")


def multi_rate_invoice(**changes: Any) -> Document:
    """20 %, 10 % (with a 10 % line discount), 5.5 %, an exempt line, a global allowance."""
    document = Document(
        type=DocumentType.INVOICE,
        number="FA-2026-000001",
        issue_date=date(2026, 3, 31),
        due_date=date(2026, 4, 30),
        seller=SELLER,
        buyer=BUSINESS_BUYER,
        operation_category=OperationCategory.MIXED,
        delivery_date=date(2026, 3, 18),
        billing_period=Period(date(2026, 3, 1), date(2026, 3, 31)),
        delivery_address=Address("Piscine résidence, 6 allée des Pins", "69110", "Sainte-Foy"),
        purchase_order="BC-778",
        contract_reference="CT-2026-0012",
        lines=(
            Line(
                "Entretien mensuel piscine – mars 2026",
                Decimal("1"),
                Unit.MONTH,
                18500,
                Decimal("20"),
                period=Period(date(2026, 3, 1), date(2026, 3, 31)),
            ),
            Line(
                "Main d'œuvre dépannage pompe",
                Decimal("1.5"),
                Unit.HOUR,
                6250,
                Decimal("10"),
                discount_percent=Decimal("10"),
            ),
            Line("Chlore lent galets 5 kg", Decimal("3"), Unit.PIECE, 4599, Decimal("5.5")),
            Line(
                "Analyse d'eau pour l'agence régionale de santé",
                Decimal("1"),
                Unit.LUMP_SUM,
                3000,
                Decimal("0"),
                vat_category=VatCategory.EXEMPT,
                exemption=EXEMPTION,
            ),
        ),
        allowances=(Allowance(1000, "Geste commercial", Decimal("20")),),
    )
    return dataclasses.replace(document, **changes) if changes else document


def credit_note(**changes: Any) -> Document:
    """A partial credit note on FA-2026-000001 (type 381, BT-25)."""
    document = Document(
        type=DocumentType.CREDIT_NOTE,
        number="AV-2026-000001",
        issue_date=date(2026, 4, 10),
        seller=SELLER,
        buyer=BUSINESS_BUYER,
        operation_category=OperationCategory.SERVICES,
        corrected_invoice=InvoiceReference("FA-2026-000001", date(2026, 3, 31)),
        lines=(
            Line(
                "Remboursement dépannage pompe (pièce sous garantie)",
                Decimal("1"),
                Unit.HOUR,
                6250,
                Decimal("10"),
            ),
        ),
    )
    return dataclasses.replace(document, **changes) if changes else document


@pytest.fixture(scope="session")
def renderer() -> DocumentRenderer:
    return DocumentRenderer()


@pytest.fixture(scope="session")
def en16931_rules() -> Callable[[bytes], list[tuple[str, str, str]]]:
    """Run the EN 16931 CII rules; return the failed asserts as (flag, rule id, text)."""
    assert EN16931_XSLT.is_file(), (
        f"EN 16931 validator not found at {EN16931_XSLT}: it ships in shared/en16931 beside "
        "the repository"
    )
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(EN16931_XSLT)
    )

    def failed_asserts(xml: bytes) -> list[tuple[str, str, str]]:
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = etree.fromstring(executable.transform_to_string(xdm_node=node).encode())
        assert report.tag == "{http://purl.oclc.org/dsdl/svrl}schematron-output"
        return [
            (
                failed.get("flag", ""),
                failed.get("id", ""),
                " ".join(failed.findtext("svrl:text", "", SVRL).split()),
            )
            for failed in report.iterfind(".//svrl:failed-assert", SVRL)
        ]

    return failed_asserts


@pytest.fixture
def make_invoice() -> Callable[..., Document]:
    return multi_rate_invoice


@pytest.fixture
def make_credit_note() -> Callable[..., Document]:
    return credit_note


@pytest.fixture
def private_buyer() -> Buyer:
    return PRIVATE_BUYER


@pytest.fixture
def exemption() -> VatExemption:
    return EXEMPTION
