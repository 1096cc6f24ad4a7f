"""The UN/CEFACT Cross Industry Invoice (CII D16B) of a document, Factur-X EN 16931 profile.

Element order follows the CII schema; the BT-/BG- numbers in comments are the EN 16931
business terms. The French mentions that have no dedicated business term (late penalties,
the 40 € indemnity, early-payment terms) travel as notes with their UNTDID 4451 subject
codes, as the French e-invoicing specifications ask.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from aquaerp_facture.documents.mentions import legal_mentions, payment_terms, seller_identity
from aquaerp_facture.documents.model import (
    Address,
    Document,
    OperationCategory,
    VatCategory,
)
from aquaerp_facture.documents.totals import Totals, compute_totals

EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
_NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461 payment means code (BT-81)
SIREN_SCHEME = "0002"  # ISO 6523 ICD of the French SIREN


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{_NSMAP[prefix]}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def decimal_text(value: Decimal) -> str:
    """A decimal without exponent nor trailing zeros: 20, 5.5, 1.25."""
    text = format(value.normalize(), "f")
    return text


def _date(parent: etree._Element, tag: str, value: date, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    _sub(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        value.strftime("%Y%m%d"),
        format="102",
    )


def _address(parent: etree._Element, address: Address) -> None:
    postal = _sub(parent, "ram:PostalTradeAddress")
    _sub(postal, "ram:PostcodeCode", address.postal_code)
    _sub(postal, "ram:LineOne", address.line1)
    if address.line2:
        _sub(postal, "ram:LineTwo", address.line2)
    _sub(postal, "ram:CityName", address.city)
    _sub(postal, "ram:CountryID", address.country_code)


def _vat_due_date_code(document: Document) -> str | None:
    """BT-8 (UNTDID 2475 in CII): when the VAT becomes due, if one rule covers the document."""
    if document.seller.vat_on_debits:
        return "5"  # on the invoice date (option for debits)
    if document.operation_category is OperationCategory.SERVICES:
        return "72"  # on payment (encaissements), the default for services
    if document.operation_category is OperationCategory.GOODS:
        return "29"  # on delivery, the rule for goods
    return None


def _rate_element(parent: etree._Element, category: VatCategory, rate: Decimal) -> None:
    _sub(parent, "ram:CategoryCode", category.value)
    _sub(parent, "ram:RateApplicablePercent", decimal_text(rate))


def build_cii(document: Document, totals: Totals | None = None) -> bytes:
    """The factur-x.xml of a document, UTF-8 encoded."""
    totals = totals or compute_totals(document)
    seller, buyer = document.seller, document.buyer
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=_NSMAP)

    context = _sub(root, "rsm:ExchangedDocumentContext")
    guideline = _sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram:ID", EN16931_GUIDELINE)  # BT-24

    header = _sub(root, "rsm:ExchangedDocument")
    _sub(header, "ram:ID", document.number)  # BT-1
    _sub(header, "ram:TypeCode", document.type.value)  # BT-3
    _date(header, "ram:IssueDateTime", document.issue_date)  # BT-2
    notes: list[tuple[str | None, str]] = [(None, document.note)] if document.note else []
    notes += [(mention.subject_code, mention.text) for mention in legal_mentions(document)]
    for subject_code, text in notes:  # BG-1
        note = _sub(header, "ram:IncludedNote")
        _sub(note, "ram:Content", text)
        if subject_code:
            _sub(note, "ram:SubjectCode", subject_code)

    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    for index, (line, line_amounts) in enumerate(zip(document.lines, totals.lines, strict=True)):
        item = _sub(transaction, "ram:IncludedSupplyChainTradeLineItem")  # BG-25
        line_document = _sub(item, "ram:AssociatedDocumentLineDocument")
        _sub(line_document, "ram:LineID", str(index + 1))  # BT-126
        if line.exemption is not None:
            line_note = _sub(line_document, "ram:IncludedNote")  # BT-127
            _sub(line_note, "ram:Content", line.exemption.reason)
        product = _sub(item, "ram:SpecifiedTradeProduct")
        _sub(product, "ram:Name", line.description)  # BT-153
        agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
        net_price = _sub(agreement, "ram:NetPriceProductTradePrice")
        _sub(net_price, "ram:ChargeAmount", amount(line.unit_price_cents))  # BT-146
        delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
        _sub(
            delivery, "ram:BilledQuantity", decimal_text(line.quantity), unitCode=line.unit.value
        )  # BT-129, BT-130
        settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:TypeCode", "VAT")
        _rate_element(tax, line.vat_category, line.vat_rate)  # BT-151, BT-152
        if line.period is not None:  # BG-26
            period = _sub(settlement, "ram:BillingSpecifiedPeriod")
            _date(period, "ram:StartDateTime", line.period.start)
            _date(period, "ram:EndDateTime", line.period.end)
        if line_amounts.discount_cents:  # BG-27
            discount = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
            indicator = _sub(discount, "ram:ChargeIndicator")
            _sub(indicator, "udt:Indicator", "false")
            _sub(discount, "ram:CalculationPercent", decimal_text(line.discount_percent))
            _sub(discount, "ram:BasisAmount", amount(line_amounts.gross_cents))
            _sub(discount, "ram:ActualAmount", amount(line_amounts.discount_cents))
            _sub(discount, "ram:Reason", "Remise")
        summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _sub(summation, "ram:LineTotalAmount", amount(line_amounts.net_cents))  # BT-131

    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    if buyer.customer_number:
        _sub(agreement, "ram:BuyerReference", buyer.customer_number)  # BT-10
    seller_party = _sub(agreement, "ram:SellerTradeParty")  # BG-4
    _sub(seller_party, "ram:Name", seller.name)
    _sub(seller_party, "ram:Description", seller_identity(seller))  # BT-33
    legal = _sub(seller_party, "ram:SpecifiedLegalOrganization")
    _sub(legal, "ram:ID", seller.siren, schemeID=SIREN_SCHEME)  # BT-30
    _address(seller_party, seller.address)
    if seller.email:
        uri = _sub(seller_party, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", seller.email, schemeID="EM")  # BT-34
    registration = _sub(seller_party, "ram:SpecifiedTaxRegistration")
    _sub(registration, "ram:ID", seller.vat_number, schemeID="VA")  # BT-31

    buyer_party = _sub(agreement, "ram:BuyerTradeParty")  # BG-7
    _sub(buyer_party, "ram:Name", buyer.name)
    if buyer.siren:
        buyer_legal = _sub(buyer_party, "ram:SpecifiedLegalOrganization")
        _sub(buyer_legal, "ram:ID", buyer.siren, schemeID=SIREN_SCHEME)  # BT-47
    _address(buyer_party, buyer.address)
    if buyer.email:
        uri = _sub(buyer_party, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", buyer.email, schemeID="EM")  # BT-49
    if buyer.vat_number:
        buyer_registration = _sub(buyer_party, "ram:SpecifiedTaxRegistration")
        _sub(buyer_registration, "ram:ID", buyer.vat_number, schemeID="VA")  # BT-48
    if document.purchase_order:
        order = _sub(agreement, "ram:BuyerOrderReferencedDocument")
        _sub(order, "ram:IssuerAssignedID", document.purchase_order)  # BT-13
    if document.contract_reference:
        contract = _sub(agreement, "ram:ContractReferencedDocument")
        _sub(contract, "ram:IssuerAssignedID", document.contract_reference)  # BT-12

    delivery = _sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    if document.delivery_address is not None:  # BG-13
        ship_to = _sub(delivery, "ram:ShipToTradeParty")
        _sub(ship_to, "ram:Name", buyer.name)
        _address(ship_to, document.delivery_address)
    if document.delivery_date is not None:
        event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(event, "ram:OccurrenceDateTime", document.delivery_date)  # BT-72

    settlement = _sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    if not document.is_credit_note:
        _sub(settlement, "ram:PaymentReference", document.number)  # BT-83
    _sub(settlement, "ram:InvoiceCurrencyCode", "EUR")  # BT-5
    if not document.is_credit_note:  # BG-16: the buyer pays by transfer to the seller
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram:TypeCode", SEPA_CREDIT_TRANSFER)  # BT-81
        account = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
        _sub(account, "ram:IBANID", seller.iban)  # BT-84
        institution = _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
        _sub(institution, "ram:BICID", seller.bic)  # BT-86
    due_date_code = _vat_due_date_code(document)
    for row in totals.vat_breakdown:  # BG-23
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", amount(row.vat_cents))  # BT-117
        _sub(tax, "ram:TypeCode", "VAT")
        if row.exemption is not None:
            _sub(tax, "ram:ExemptionReason", row.exemption.reason)  # BT-120
        _sub(tax, "ram:BasisAmount", amount(row.taxable_cents))  # BT-116
        _sub(tax, "ram:CategoryCode", row.category.value)  # BT-118
        if row.exemption is not None and row.exemption.code:
            _sub(tax, "ram:ExemptionReasonCode", row.exemption.code)  # BT-121
        if due_date_code:
            _sub(tax, "ram:DueDateTypeCode", due_date_code)  # BT-8
        _sub(tax, "ram:RateApplicablePercent", decimal_text(row.rate))  # BT-119
    if document.billing_period is not None:  # BG-14
        period = _sub(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", document.billing_period.start)
        _date(period, "ram:EndDateTime", document.billing_period.end)
    for allowance in document.allowances:  # BG-20
        charge = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
        indicator = _sub(charge, "ram:ChargeIndicator")
        _sub(indicator, "udt:Indicator", "false")
        _sub(charge, "ram:ActualAmount", amount(allowance.amount_cents))  # BT-92
        _sub(charge, "ram:Reason", allowance.reason)  # BT-97
        category_tax = _sub(charge, "ram:CategoryTradeTax")
        _sub(category_tax, "ram:TypeCode", "VAT")
        _rate_element(category_tax, allowance.vat_category, allowance.vat_rate)  # BT-95, BT-96
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    _sub(terms, "ram:Description", payment_terms(document))  # BT-20
    if document.due_date is not None:
        _date(terms, "ram:DueDateDateTime", document.due_date)  # BT-9

    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")  # BG-22
    _sub(summation, "ram:LineTotalAmount", amount(totals.line_total_cents))  # BT-106
    if document.allowances:
        _sub(summation, "ram:AllowanceTotalAmount", amount(totals.allowance_total_cents))
    _sub(summation, "ram:TaxBasisTotalAmount", amount(totals.tax_basis_cents))  # BT-109
    _sub(summation, "ram:TaxTotalAmount", amount(totals.vat_total_cents), currencyID="EUR")
    _sub(summation, "ram:GrandTotalAmount", amount(totals.grand_total_cents))  # BT-112
    _sub(summation, "ram:DuePayableAmount", amount(totals.amount_due_cents))  # BT-115
    if document.corrected_invoice is not None:  # BG-3
        corrected = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(corrected, "ram:IssuerAssignedID", document.corrected_invoice.number)  # BT-25
        _date(
            corrected,
            "ram:FormattedIssueDateTime",
            document.corrected_invoice.issue_date,
            qualified=True,
        )  # BT-26
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml
