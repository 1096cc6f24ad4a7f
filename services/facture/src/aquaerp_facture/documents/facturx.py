"""Factur-X packaging: PDF/A-3b with exactly one embedded factur-x.xml and its XMP metadata.

Done in the same pass as the rendering, as WeasyPrint documents it for Factur-X: the
PDF/A-3b variant (ICC output intent, embedded fonts, pdfaid:part/conformance), the XML
attached as `factur-x.xml` with AFRelationship /Data (listed in the catalog's /AF), and an
RDF block carrying the `fx:` properties with their PDF/A extension schema description.
"""

from __future__ import annotations

from datetime import datetime

import pydyf
from weasyprint import Attachment
from weasyprint.document import Document as RenderedPages

FACTURX_FILENAME = "factur-x.xml"
FACTURX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
FACTURX_VERSION = "1.0"
EN16931_CONFORMANCE = "EN 16931"
PDF_VARIANT = "pdf/a-3b"

_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded XML document"),
    ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    ("Version", "The actual version of the standard applying to the embedded XML document"),
    ("ConformanceLevel", "The conformance level of the embedded XML document"),
)


def facturx_xmp(conformance_level: str = EN16931_CONFORMANCE) -> bytes:
    """The fx: properties and their PDF/A extension schema, as one rdf:RDF block."""
    properties = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{description}</pdfaProperty:description>"
        "</rdf:li>"
        for name, description in _PROPERTIES
    )
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        f' xmlns:fx="{FACTURX_NAMESPACE}"'
        ' xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
        ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
        ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
        '<rdf:Description rdf:about="">'
        "<fx:DocumentType>INVOICE</fx:DocumentType>"
        f"<fx:DocumentFileName>{FACTURX_FILENAME}</fx:DocumentFileName>"
        f"<fx:Version>{FACTURX_VERSION}</fx:Version>"
        f"<fx:ConformanceLevel>{conformance_level}</fx:ConformanceLevel>"
        "</rdf:Description>"
        '<rdf:Description rdf:about="">'
        "<pdfaExtension:schemas><rdf:Bag>"
        '<rdf:li rdf:parseType="Resource">'
        "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{FACTURX_NAMESPACE}</pdfaSchema:namespaceURI>"
        "<pdfaSchema:prefix>fx</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li>"
        "</rdf:Bag></pdfaExtension:schemas>"
        "</rdf:Description>"
        "</rdf:RDF>"
    ).encode()


_XMP = facturx_xmp()


def _list_each_associated_file_once(_pages: RenderedPages, pdf: pydyf.PDF) -> None:
    # WeasyPrint 70 adds the attachment to the catalog's /AF array twice (once from the
    # name tree, once from the file specification): keep a single reference.
    associated = pdf.catalog.get("AF")
    if associated is not None:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(associated))


def write_facturx_pdf(
    pages: RenderedPages, cii_xml: bytes, *, issued: datetime, full_fonts: bool
) -> bytes:
    """Write laid-out pages as a Factur-X PDF embedding `cii_xml` as the only attachment."""
    pages.metadata.attachments = [
        Attachment(
            string=cii_xml,
            name=FACTURX_FILENAME,
            description="Factur-X XML invoice",
            relationship="Data",
            created=issued,
            modified=issued,
        )
    ]
    pages.metadata.xmp_metadata = [_XMP]
    pdf: bytes = pages.write_pdf(
        pdf_variant=PDF_VARIANT,
        full_fonts=full_fonts,
        finisher=_list_each_associated_file_once,
    )
    return pdf
