"""The rendered file: a Factur-X EN 16931 PDF/A-3 whose text carries every legal mention.

Everything is read back from the PDF bytes with real libraries: the XML with the
`factur-x` library, the text and the PDF structure with pypdf.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from aquaerp_facture.documents import (
    Buyer,
    Document,
    DocumentFonts,
    DocumentRenderer,
    Line,
    Logo,
    RenderedDocument,
    Unit,
)

Rules = Callable[[bytes], list[tuple[str, str, str]]]


@pytest.fixture(scope="module")
def rendered(
    renderer: DocumentRenderer,
) -> Callable[[Document], RenderedDocument]:
    cache: dict[Document, RenderedDocument] = {}

    def render(document: Document) -> RenderedDocument:
        if document not in cache:
            cache[document] = renderer.render(document)
        return cache[document]

    return render


def pdf_text(pdf: bytes) -> str:
    """All pages' text, with every run of (non-breaking) spaces and newlines made one space."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


# Each mandatory mention of the multi-rate invoice and where the rule comes from.
INVOICE_MENTIONS = {
    "the word Facture": "FACTURE",
    "number": "FA-2026-000001",
    "issue date": "Date d'émission 31/03/2026",
    "date of the service": "Date de la prestation 18/03/2026",
    "billed period": "Période facturée 01/03/2026 – 31/03/2026",
    "buyer's order number": "BC-778",
    "seller name": "Aqua Services Lyon",
    "legal form and share capital": "SAS au capital de 50 000,00 €",
    "registered office": "12 rue des Remparts d'Ainay",
    "RCS and city": "RCS Lyon 732 829 320",
    "SIRET": "SIRET 73282932000074",
    "seller VAT number": "FR44732829320",
    "buyer name": "SCI Résidence Les Œillets",
    "buyer billing address": "4 allée des Pins 69110 Sainte-Foy-lès-Lyon",
    "buyer SIREN": "SIREN 552100554",
    "buyer VAT number": "FR40552100554",
    "delivery address": "Piscine résidence, 6 allée des Pins",
    "line description": "Main d'œuvre dépannage pompe",
    "quantity, unit and unit price": "1,5 h 62,50 €",
    "line discount": "10 % −9,38 €",
    "line net amount": "84,37 €",
    "VAT rate per line": "5,5 %",
    "exemption wording": "Exonération de TVA, article 261-4 du CGI",
    "total excluding VAT": "Total HT 427,34 €",
    "VAT at 20 %": "20 % 175,00 € 35,00 €",
    "VAT at 10 %": "10 % 84,37 € 8,44 €",
    "VAT at 5.5 %": "5,5 % 137,97 € 7,59 €",
    "document allowance": "Geste commercial",
    "total VAT": "Total TVA 51,03 €",
    "total including VAT": "Total TTC 478,37 €",
    "due date": "Date d'échéance : 30/04/2026",
    "IBAN": "IBAN FR76 3000 6000 0112 3456 7890 189",
    "BIC": "BIC AGRIFRPP",
    "early-payment terms": "Pas d'escompte pour paiement anticipé",
    "late-penalty rate": "au taux annuel de 12,5 %",
    "40 € indemnity": "indemnité forfaitaire pour frais de recouvrement de 40,00 €",
    "category of operation": "Catégorie de l'opération : Mixte",
    "VAT on debits": "Option pour le paiement de la taxe d'après les débits",
    "page number": "Page 1 / 1",
}


@pytest.mark.parametrize("mention", sorted(INVOICE_MENTIONS))
def test_invoice_pdf_text_has_every_mandatory_mention(
    mention: str,
    make_invoice: Callable[..., Document],
    rendered: Callable[[Document], RenderedDocument],
) -> None:
    assert INVOICE_MENTIONS[mention] in pdf_text(rendered(make_invoice()).pdf)


def test_consumer_invoice_has_no_b2b_indemnity_and_no_unconfigured_option(
    make_invoice: Callable[..., Document],
    private_buyer: Buyer,
    rendered: Callable[[Document], RenderedDocument],
) -> None:
    document = make_invoice(
        buyer=private_buyer,
        seller=dataclasses.replace(make_invoice().seller, vat_on_debits=False),
    )
    text = pdf_text(rendered(document).pdf)

    assert "Mme Hélène Durand" in text
    assert "40,00 €" not in text
    assert "débits" not in text
    assert "au taux annuel de 12,5 %" in text


def test_credit_note_pdf_says_avoir_and_cites_the_invoice(
    make_credit_note: Callable[..., Document],
    rendered: Callable[[Document], RenderedDocument],
) -> None:
    text = pdf_text(rendered(make_credit_note()).pdf)

    assert "AVOIR" in text
    assert "AV-2026-000001" in text
    assert "Avoir sur la facture n° FA-2026-000001 du 31/03/2026" in text
    assert "Montant de l'avoir 68,75 €" in text
    assert "Catégorie de l'opération : Prestation de services" in text


@pytest.mark.parametrize("kind", ["multi-rate invoice", "credit note"])
def test_embedded_xml_extracted_with_factur_x_passes_xsd_and_en16931_rules(
    kind: str,
    make_invoice: Callable[..., Document],
    make_credit_note: Callable[..., Document],
    rendered: Callable[[Document], RenderedDocument],
    request: pytest.FixtureRequest,
) -> None:
    document = make_invoice() if kind == "multi-rate invoice" else make_credit_note()
    result = rendered(document)

    filename, xml = get_facturx_xml_from_pdf(io.BytesIO(result.pdf), check_xsd=False)

    assert filename == "factur-x.xml"
    assert xml == result.xml
    root = etree.fromstring(xml)
    assert root.findtext("{*}ExchangedDocument/{*}TypeCode") == document.type.value
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    en16931_rules: Rules = request.getfixturevalue("en16931_rules")  # skips if absent
    assert [failure for failure in en16931_rules(xml) if failure[0] == "fatal"] == []


def _catalog(pdf: bytes) -> DictionaryObject:
    catalog: DictionaryObject = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    return catalog


def test_pdf_is_pdfa3_with_exactly_one_facturx_xml_as_data(
    make_invoice: Callable[..., Document],
    rendered: Callable[[Document], RenderedDocument],
) -> None:
    result = rendered(make_invoice())
    catalog = _catalog(result.pdf)

    names = catalog["/Names"]["/EmbeddedFiles"]["/Names"]
    assert len(names) == 2 and names[0] == "factur-x.xml"
    filespec = names[1].get_object()
    assert filespec["/F"] == filespec["/UF"] == "factur-x.xml"
    assert filespec["/AFRelationship"] == "/Data"
    embedded = filespec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/text/xml"
    assert embedded.get_data() == result.xml
    associated = [reference.get_object() for reference in catalog["/AF"]]
    assert associated == [filespec]
    assert list(PdfReader(io.BytesIO(result.pdf)).attachments) == ["factur-x.xml"]

    intents = catalog["/OutputIntents"]
    assert len(intents) == 1 and intents[0]["/S"] == "/GTS_PDFA1"
    assert intents[0]["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # ICC


def test_xmp_declares_pdfa3b_and_the_facturx_extension(
    make_invoice: Callable[..., Document],
    rendered: Callable[[Document], RenderedDocument],
) -> None:
    xmp = _catalog(rendered(make_invoice()).pdf)["/Metadata"].get_object().get_data()
    root = etree.fromstring(xmp)
    ns = {
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
        "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
        "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    }

    def values(path: str) -> list[str]:
        return [str(value).strip() for value in root.xpath(path, namespaces=ns)]

    assert values("//rdf:Description/@pdfaid:part") == ["3"]
    assert values("//rdf:Description/@pdfaid:conformance") == ["B"]
    assert values("//fx:DocumentType/text()") == ["INVOICE"]
    assert values("//fx:DocumentFileName/text()") == ["factur-x.xml"]
    assert values("//fx:Version/text()") == ["1.0"]
    assert values("//fx:ConformanceLevel/text()") == ["EN 16931"]
    assert values("//pdfaSchema:namespaceURI/text()") == [ns["fx"]]
    assert values("//pdfaSchema:prefix/text()") == ["fx"]
    assert sorted(values("//pdfaProperty:name/text()")) == [
        "ConformanceLevel",
        "DocumentFileName",
        "DocumentType",
        "Version",
    ]


def test_every_font_is_embedded(
    make_invoice: Callable[..., Document],
    rendered: Callable[[Document], RenderedDocument],
) -> None:
    reader = PdfReader(io.BytesIO(rendered(make_invoice()).pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert len(fonts) == 2  # regular and bold
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]


def test_long_invoice_numbers_every_page(
    make_invoice: Callable[..., Document],
    renderer: DocumentRenderer,
) -> None:
    lines = tuple(
        Line(f"Visite d'entretien n° {index}", Decimal("1"), Unit.PIECE, 4500, Decimal("20"))
        for index in range(1, 46)
    )
    document = make_invoice(lines=lines, allowances=())
    pdf = renderer.render(document).pdf
    reader = PdfReader(io.BytesIO(pdf))

    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = re.sub(r"\s+", " ", page.extract_text())
        assert f"Page {number} / {pages}" in text
        assert "RCS Lyon 732 829 320" in text  # the seller's identity on every page
    assert "Total TTC 2 430,00 €" in pdf_text(pdf)  # 45 × 45.00 = 2,025.00 + 20 %


def test_a_name_outside_the_subset_still_renders(
    make_invoice: Callable[..., Document],
    renderer: DocumentRenderer,
) -> None:
    buyer = dataclasses.replace(make_invoice().buyer, name="Ξενοδοχείο Αθηνά SARL")
    assert not DocumentFonts.subset().covers(buyer.name)

    text = pdf_text(renderer.render(make_invoice(buyer=buyer)).pdf)

    assert "Ξενοδοχείο Αθηνά SARL" in text


def test_subset_fonts_make_the_same_text_as_system_fonts(
    make_invoice: Callable[..., Document],
    renderer: DocumentRenderer,
) -> None:
    document = make_invoice(issue_date=date(2026, 3, 31))
    system = DocumentRenderer(DocumentFonts.system()).render(document)

    assert pdf_text(renderer.render(document).pdf) == pdf_text(system.pdf)


def test_markup_in_customer_data_is_printed_not_interpreted(
    make_invoice: Callable[..., Document],
    renderer: DocumentRenderer,
) -> None:
    name = "Dupont & Fils <img src='logo.png'> SARL"
    buyer = dataclasses.replace(make_invoice().buyer, name=name)

    result = renderer.render(make_invoice(buyer=buyer))

    assert name in pdf_text(result.pdf)
    assert b"Dupont &amp; Fils &lt;img" in result.xml


def test_png_logo_is_drawn(
    make_invoice: Callable[..., Document],
    renderer: DocumentRenderer,
) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 80), (11, 90, 122)).save(buffer, format="PNG")
    seller = dataclasses.replace(make_invoice().seller, logo=Logo(buffer.getvalue(), "image/png"))

    reader = PdfReader(io.BytesIO(renderer.render(make_invoice(seller=seller)).pdf))

    images = reader.pages[0].images
    assert len(images) == 1
    assert images[0].image.size == (240, 80)


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_both_weasyprint_subsetters_give_the_same_document(
    subsetter: str,
    make_invoice: Callable[..., Document],
    renderer: DocumentRenderer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from weasyprint.pdf import fonts as weasyprint_pdf_fonts

    has_harfbuzz = weasyprint_pdf_fonts.harfbuzz_subset is not None
    assert has_harfbuzz or subsetter != "harfbuzz", (
        "the HarfBuzz-subset library is missing: run scripts/install-system-deps "
        "(apt-get install libharfbuzz-subset0)"
    )
    reference = renderer.render(make_invoice(number="FA-2026-000099"))  # machine's default
    if subsetter == "fonttools":  # WeasyPrint's fallback when HarfBuzz-subset is missing
        monkeypatch.setattr(weasyprint_pdf_fonts, "harfbuzz_subset", None)

    result = renderer.render(make_invoice(number="FA-2026-000099"))

    # fontTools: the pre-subset faces are embedded whole; HarfBuzz: subset per document.
    assert DocumentFonts.subset().embed_whole("Facture") is (subsetter == "fonttools")
    assert pdf_text(result.pdf) == pdf_text(reference.pdf)
    assert (result.pdf == reference.pdf) is (subsetter == "harfbuzz" or not has_harfbuzz)
    assert get_facturx_xml_from_pdf(io.BytesIO(result.pdf), check_xsd=False)[1] == result.xml
