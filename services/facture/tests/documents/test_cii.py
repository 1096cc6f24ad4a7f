"""The CII XML: Factur-X EN 16931 XSD and the EN 16931 business rules, on built XML.

The same checks run on the XML extracted back from the PDF in test_facturx.py; here they
cover more document shapes quickly, and prove the validators do reject a wrong invoice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest
from facturx import xml_check_xsd
from lxml import etree

from aquaerp_facture.documents import (
    AUTOLIQUIDATION,
    FRANCHISE_EN_BASE,
    Buyer,
    Document,
    Line,
    OperationCategory,
    Unit,
    VatCategory,
    build_cii,
)
from aquaerp_facture.documents.cii import RAM

Rules = Callable[[bytes], list[tuple[str, str, str]]]
NS = {"ram": RAM}


def _fatal(rules: Rules, xml: bytes) -> list[tuple[str, str, str]]:
    return [failure for failure in rules(xml) if failure[0] == "fatal"]


def _shapes(
    make_invoice: Callable[..., Document],
    make_credit_note: Callable[..., Document],
    private_buyer: Buyer,
) -> dict[str, Document]:
    invoice = make_invoice()
    reverse_charge = Line(
        "Sous-traitance travaux",
        Decimal("1"),
        Unit.LUMP_SUM,
        250000,
        Decimal("0"),
        vat_category=VatCategory.REVERSE_CHARGE,
        exemption=AUTOLIQUIDATION,
    )
    franchise = Line(
        "Hivernage",
        Decimal("1"),
        Unit.LUMP_SUM,
        9000,
        Decimal("0"),
        vat_category=VatCategory.EXEMPT,
        exemption=FRANCHISE_EN_BASE,
    )
    return {
        "multi-rate with exempt line, discount and allowance": invoice,
        "credit note": make_credit_note(),
        "private customer, services, no VAT option": make_invoice(
            buyer=private_buyer,
            operation_category=OperationCategory.SERVICES,
            seller=dataclasses.replace(invoice.seller, vat_on_debits=False, email=None),
            delivery_address=None,
            note="Merci de votre confiance.",
        ),
        "goods only, no optional references": make_invoice(
            operation_category=OperationCategory.GOODS,
            seller=dataclasses.replace(invoice.seller, vat_on_debits=False),
            delivery_date=None,
            billing_period=None,
            purchase_order=None,
            contract_reference=None,
        ),
        "reverse charge": make_invoice(lines=(reverse_charge,), allowances=()),
        "franchise en base": make_invoice(lines=(franchise,), allowances=()),
    }


@pytest.mark.parametrize(
    "shape",
    [
        "multi-rate with exempt line, discount and allowance",
        "credit note",
        "private customer, services, no VAT option",
        "goods only, no optional references",
        "reverse charge",
        "franchise en base",
    ],
)
def test_xml_passes_the_xsd_and_the_en16931_rules(
    shape: str,
    make_invoice: Callable[..., Document],
    make_credit_note: Callable[..., Document],
    private_buyer: Buyer,
    request: pytest.FixtureRequest,
) -> None:
    xml = build_cii(_shapes(make_invoice, make_credit_note, private_buyer)[shape])

    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    en16931_rules: Rules = request.getfixturevalue("en16931_rules")  # skips if absent
    assert _fatal(en16931_rules, xml) == []


def test_the_rules_catch_a_wrong_total(
    make_invoice: Callable[..., Document], en16931_rules: Rules
) -> None:
    root = etree.fromstring(build_cii(make_invoice()))
    root.find(".//ram:TaxTotalAmount", NS).text = "51.04"  # one cent off
    fatal = _fatal(en16931_rules, etree.tostring(root))
    # BR-CO-14: total VAT = sum of the breakdown; BR-CO-15: total incl. VAT = basis + VAT
    assert sorted(rule for _, rule, _ in fatal) == ["BR-CO-14", "BR-CO-15"]


def test_the_rules_catch_an_exempt_breakdown_without_reason(
    make_invoice: Callable[..., Document], en16931_rules: Rules
) -> None:
    root = etree.fromstring(build_cii(make_invoice()))
    for tag in ("ExemptionReason", "ExemptionReasonCode"):
        element = root.find(f".//ram:ApplicableHeaderTradeSettlement//ram:{tag}", NS)
        element.getparent().remove(element)
    fatal = {rule for _, rule, _ in _fatal(en16931_rules, etree.tostring(root))}
    assert "BR-E-10" in fatal


def test_the_xsd_catches_a_misplaced_element(make_invoice: Callable[..., Document]) -> None:
    root = etree.fromstring(build_cii(make_invoice()))
    header = root.find("{*}ExchangedDocument")
    header.insert(0, header.find("{*}TypeCode"))  # TypeCode must follow ID
    with pytest.raises(Exception, match=r"not valid .*TypeCode.*: This element is not expected"):
        xml_check_xsd(etree.tostring(root), flavor="factur-x", level="en16931")


def test_xml_carries_the_key_business_terms(make_invoice: Callable[..., Document]) -> None:
    root = etree.fromstring(build_cii(make_invoice()))

    def text(path: str) -> list[str]:
        return [element.text for element in root.iterfind(path, NS)]

    assert text(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn:cen.eu:en16931:2017"
    ]
    assert text("{*}ExchangedDocument/ram:TypeCode") == ["380"]
    assert text(".//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == ["732829320"]
    assert text(".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == ["552100554"]
    assert text(".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]
    assert text(".//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == [
        "FR7630006000011234567890189"
    ]
    assert text(
        ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    ) == [
        "S",
        "S",
        "S",
        "E",
    ]
    assert text(".//ram:ExemptionReasonCode") == ["VATEX-FR-CGI261-4"]
    # VAT option for debits: VAT due on the invoice date (BT-8 code 5) for every rate
    assert set(text(".//ram:DueDateTypeCode")) == {"5"}
    notes = dict(
        (note.findtext("ram:SubjectCode", None, NS), note.findtext("ram:Content", None, NS))
        for note in root.iterfind(".//ram:IncludedNote", NS)
        if note.getparent().tag.endswith("ExchangedDocument")
    )
    assert {"AAB", "PMD", "PMT", "TXD"} <= set(notes)
    assert "40,00" in notes["PMT"]


def test_credit_note_references_the_invoice(make_credit_note: Callable[..., Document]) -> None:
    root = etree.fromstring(build_cii(make_credit_note()))
    assert root.findtext("{*}ExchangedDocument/ram:TypeCode", None, NS) == "381"
    reference = root.find(".//ram:InvoiceReferencedDocument", NS)
    assert reference.findtext("ram:IssuerAssignedID", None, NS) == "FA-2026-000001"
    assert (
        reference.findtext("ram:FormattedIssueDateTime/{*}DateTimeString", None, NS) == "20260331"
    )
    assert root.find(".//ram:SpecifiedTradeSettlementPaymentMeans", NS) is None
