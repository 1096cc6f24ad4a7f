"""The legal content of an invoice or credit note, as plain frozen values.

A `Document` is everything the PDF and the Factur-X XML show, frozen at issue: the seller
identity, a snapshot of the buyer, the lines and the payment terms. It is validated when it
is built, so an invalid document cannot exist; the error names every offending field with
its path (`lines[2].vat_rate`) and maps to INVALID_ARGUMENT.

Money is integer cents (euros only); quantities and VAT rates are `Decimal`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from aquaerp_runtime.errors import InvalidArgument

from aquaerp_facture.documents.totals import compute_totals


class InvalidDocument(InvalidArgument):
    """The document breaks a legal or EN 16931 rule; `fields` maps each field path to why."""


class DocumentType(StrEnum):
    """UNTDID 1001 document type code (BT-3)."""

    INVOICE = "380"
    CREDIT_NOTE = "381"


class OperationCategory(StrEnum):
    """Category of the operation (décret 2022-1299): goods, services, or both."""

    GOODS = "goods"
    SERVICES = "services"
    MIXED = "mixed"


class VatCategory(StrEnum):
    """UNCL 5305 VAT category code (BT-151 / BT-118) for the categories the product uses."""

    STANDARD = "S"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"


class Unit(StrEnum):
    """UN/ECE Recommendation 20 unit codes (BT-130) with their French label."""

    PIECE = "C62"
    HOUR = "HUR"
    DAY = "DAY"
    MONTH = "MON"
    YEAR = "ANN"
    LITRE = "LTR"
    KILOGRAM = "KGM"
    METRE = "MTR"
    SQUARE_METRE = "MTK"
    CUBIC_METRE = "MTQ"
    LUMP_SUM = "LS"

    @property
    def label(self) -> str:
        return _UNIT_LABELS[self]


_UNIT_LABELS = {
    Unit.PIECE: "u",
    Unit.HOUR: "h",
    Unit.DAY: "j",
    Unit.MONTH: "mois",
    Unit.YEAR: "an",
    Unit.LITRE: "L",
    Unit.KILOGRAM: "kg",
    Unit.METRE: "m",
    Unit.SQUARE_METRE: "m²",
    Unit.CUBIC_METRE: "m³",
    Unit.LUMP_SUM: "forfait",
}

# The French VAT rates (CGI art. 278 to 281 nonies); 0 only for exempt or reverse-charge lines.
FRENCH_VAT_RATES = frozenset({Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1")})


@dataclass(frozen=True, slots=True)
class VatExemption:
    """Why a line carries no VAT: the printed wording (BT-120) and its VATEX code (BT-121)."""

    reason: str
    code: str | None = None


# Wordings used by French sellers, with their VATEX codes (CEF code list, used by EN 16931).
FRANCHISE_EN_BASE = VatExemption("TVA non applicable, art. 293 B du CGI", "VATEX-FR-FRANCHISE")
AUTOLIQUIDATION = VatExemption("Autoliquidation", "VATEX-EU-AE")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    postal_code: str
    city: str
    country_code: str = "FR"
    line2: str | None = None


@dataclass(frozen=True, slots=True)
class Logo:
    """The seller's logo as it is printed: PNG, JPEG or SVG bytes."""

    content: bytes
    media_type: str  # image/png, image/jpeg or image/svg+xml


@dataclass(frozen=True, slots=True)
class Seller:
    """The issuing company, as configured (identity and payment settings)."""

    name: str
    legal_form: str  # SAS, SARL, EURL, ...
    share_capital_cents: int
    address: Address
    siren: str
    siret: str
    rcs_city: str  # registry city: "RCS Lyon"
    vat_number: str
    iban: str
    bic: str
    late_penalty_rate: Decimal  # yearly rate in percent, printed and used by dunning
    early_payment_terms: str = "Pas d'escompte pour paiement anticipé."
    vat_on_debits: bool = False  # "option pour le paiement de la taxe d'après les débits"
    bank_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    logo: Logo | None = None


@dataclass(frozen=True, slots=True)
class Buyer:
    """The customer as billed: a snapshot frozen in the document at issue."""

    name: str
    address: Address
    is_business: bool  # B2B: the 40 € recovery indemnity applies, SIREN is required in France
    siren: str | None = None
    vat_number: str | None = None
    customer_number: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice line; its net amount is quantity × unit price, minus the discount."""

    description: str
    quantity: Decimal
    unit: Unit
    unit_price_cents: int  # excluding VAT
    vat_rate: Decimal  # percent: Decimal("20"), Decimal("5.5"), Decimal("0")
    vat_category: VatCategory = VatCategory.STANDARD
    discount_percent: Decimal = Decimal(0)
    exemption: VatExemption | None = None  # required when the category is not STANDARD
    period: Period | None = None  # the service period this line bills, if any


@dataclass(frozen=True, slots=True)
class Allowance:
    """A document-level discount (BG-20), in cents excluding VAT, on one VAT rate."""

    amount_cents: int
    reason: str
    vat_rate: Decimal
    vat_category: VatCategory = VatCategory.STANDARD


@dataclass(frozen=True, slots=True)
class InvoiceReference:
    """The invoice a credit note corrects (BT-25, BT-26)."""

    number: str
    issue_date: date


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice or a credit note, complete and valid."""

    type: DocumentType
    number: str
    issue_date: date
    seller: Seller
    buyer: Buyer
    lines: tuple[Line, ...]
    operation_category: OperationCategory
    due_date: date | None = None  # required on invoices
    allowances: tuple[Allowance, ...] = ()
    delivery_date: date | None = None  # date of the sale or service, when it differs
    billing_period: Period | None = None
    delivery_address: Address | None = None  # where the service happened, when it differs
    purchase_order: str | None = None  # the buyer's order number (BT-13)
    contract_reference: str | None = None  # BT-12
    corrected_invoice: InvoiceReference | None = None  # required on credit notes
    note: str | None = None

    def __post_init__(self) -> None:
        violations = _violations(self)
        if violations:
            raise InvalidDocument(
                "the document is not valid: "
                + "; ".join(f"{k}: {v}" for k, v in violations.items()),
                fields=violations,
            )

    @property
    def is_credit_note(self) -> bool:
        return self.type is DocumentType.CREDIT_NOTE


_SIREN = re.compile(r"^\d{9}$")
_SIRET = re.compile(r"^\d{14}$")
_FR_VAT = re.compile(r"^FR[0-9A-Z]{2}\d{9}$")
_EU_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/svg+xml"})
MAX_QUANTITY_DECIMALS = 4


def luhn_valid(digits: str) -> bool:
    """SIREN and SIRET carry a Luhn check digit."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    if not _IBAN.match(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _siren_problem(value: str) -> str | None:
    if not _SIREN.match(value):
        return "must be 9 digits"
    if not luhn_valid(value):
        return "check digit is wrong"
    return None


def _address_violations(address: Address, path: str, out: dict[str, str]) -> None:
    if not address.line1.strip():
        out[f"{path}.line1"] = "is required"
    if not address.postal_code.strip():
        out[f"{path}.postal_code"] = "is required"
    if not address.city.strip():
        out[f"{path}.city"] = "is required"
    if not _COUNTRY.match(address.country_code):
        out[f"{path}.country_code"] = "must be an ISO 3166-1 alpha-2 code"


def _seller_violations(seller: Seller, out: dict[str, str]) -> None:
    for name in ("name", "legal_form", "rcs_city"):
        if not getattr(seller, name).strip():
            out[f"seller.{name}"] = "is required"
    if seller.share_capital_cents < 0:
        out["seller.share_capital_cents"] = "must not be negative"
    _address_violations(seller.address, "seller.address", out)
    if problem := _siren_problem(seller.siren):
        out["seller.siren"] = problem
    if not _SIRET.match(seller.siret) or not luhn_valid(seller.siret):
        out["seller.siret"] = "must be 14 digits with a valid check digit"
    elif not seller.siret.startswith(seller.siren):
        out["seller.siret"] = "must start with the SIREN"
    if not _FR_VAT.match(seller.vat_number):
        out["seller.vat_number"] = "must be a French VAT number (FR + 2 + SIREN)"
    elif seller.vat_number[4:] != seller.siren:
        out["seller.vat_number"] = "must end with the SIREN"
    if not iban_valid(seller.iban):
        out["seller.iban"] = "is not a valid IBAN (no spaces, upper case)"
    if not _BIC.match(seller.bic):
        out["seller.bic"] = "is not a valid BIC"
    if seller.late_penalty_rate <= 0:
        out["seller.late_penalty_rate"] = "must be positive"
    if not seller.early_payment_terms.strip():
        out["seller.early_payment_terms"] = "is required (e.g. no early-payment discount)"
    if seller.logo is not None and seller.logo.media_type not in _MEDIA_TYPES:
        out["seller.logo.media_type"] = "must be image/png, image/jpeg or image/svg+xml"


def _buyer_violations(buyer: Buyer, out: dict[str, str]) -> None:
    if not buyer.name.strip():
        out["buyer.name"] = "is required"
    _address_violations(buyer.address, "buyer.address", out)
    if buyer.siren is not None and (problem := _siren_problem(buyer.siren)):
        out["buyer.siren"] = problem
    if buyer.is_business and buyer.address.country_code == "FR" and buyer.siren is None:
        out["buyer.siren"] = "is required for a French business customer (décret 2022-1299)"
    if buyer.vat_number is not None and not _EU_VAT.match(buyer.vat_number):
        out["buyer.vat_number"] = "is not a VAT number"


def _vat_violations(
    rate: Decimal,
    category: VatCategory,
    exemption: VatExemption | None,
    path: str,
    out: dict[str, str],
) -> None:
    if category is VatCategory.STANDARD:
        if rate not in FRENCH_VAT_RATES:
            out[f"{path}.vat_rate"] = "must be a French VAT rate: 20, 10, 5.5 or 2.1"
        if exemption is not None:
            out[f"{path}.exemption"] = "only a line without VAT has an exemption reason"
    else:
        if rate != 0:
            out[f"{path}.vat_rate"] = f"must be 0 for VAT category {category.value}"
        if exemption is None or not exemption.reason.strip():
            out[f"{path}.exemption"] = "a line without VAT needs its exemption wording"


def _line_violations(line: Line, path: str, out: dict[str, str]) -> None:
    wrong_types = {
        name: label
        for name, expected, label in (
            ("quantity", Decimal, "a Decimal"),
            ("vat_rate", Decimal, "a Decimal"),
            ("discount_percent", Decimal, "a Decimal"),
            ("unit_price_cents", int, "an integer"),
            ("unit", Unit, "a Unit"),
            ("vat_category", VatCategory, "a VatCategory"),
        )
        if not isinstance(getattr(line, name), expected) or isinstance(getattr(line, name), bool)
    }
    if wrong_types:
        out.update({f"{path}.{name}": f"must be {label}" for name, label in wrong_types.items()})
        return
    if not line.description.strip():
        out[f"{path}.description"] = "is required"
    if not line.quantity.is_finite() or line.quantity <= 0:
        out[f"{path}.quantity"] = "must be positive"
    # A finite quantity (checked above) has an integer exponent.
    elif -int(line.quantity.as_tuple().exponent) > MAX_QUANTITY_DECIMALS:
        out[f"{path}.quantity"] = f"has more than {MAX_QUANTITY_DECIMALS} decimals"
    if line.unit_price_cents < 0:
        out[f"{path}.unit_price_cents"] = "must not be negative"
    if not (0 <= line.discount_percent < 100):
        out[f"{path}.discount_percent"] = "must be between 0 and 100 (excluded)"
    _vat_violations(line.vat_rate, line.vat_category, line.exemption, path, out)
    if line.period is not None and line.period.end < line.period.start:
        out[f"{path}.period"] = "ends before it starts"


def _violations(document: Document) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(document.lines, tuple) or not isinstance(document.allowances, tuple):
        out["lines"] = "lines and allowances must be tuples (the document is immutable)"
        return out
    if not document.number.strip():
        out["number"] = "is required"
    _seller_violations(document.seller, out)
    _buyer_violations(document.buyer, out)
    if document.delivery_address is not None:
        _address_violations(document.delivery_address, "delivery_address", out)
    if not document.lines:
        out["lines"] = "at least one line is required"
    for index, line in enumerate(document.lines):
        _line_violations(line, f"lines[{index}]", out)
    for index, allowance in enumerate(document.allowances):
        path = f"allowances[{index}]"
        if allowance.amount_cents <= 0:
            out[f"{path}.amount_cents"] = "must be positive"
        if not allowance.reason.strip():
            out[f"{path}.reason"] = "is required"
        _vat_violations(allowance.vat_rate, allowance.vat_category, None, path, out)
        out.pop(f"{path}.exemption", None)  # the exemption wording comes from the lines
        if not any(
            line.vat_category is allowance.vat_category and line.vat_rate == allowance.vat_rate
            for line in document.lines
        ):
            out[f"{path}.vat_rate"] = "no line has this VAT category and rate"
    _exemption_consistency(document, out)
    if document.type is DocumentType.INVOICE:
        if document.due_date is None:
            out["due_date"] = "is required on an invoice"
        if document.corrected_invoice is not None:
            out["corrected_invoice"] = "only a credit note corrects an invoice"
    elif document.corrected_invoice is None:
        out["corrected_invoice"] = "a credit note must reference the invoice it corrects"
    elif document.corrected_invoice.issue_date > document.issue_date:
        out["corrected_invoice.issue_date"] = "is after the credit note"
    if document.due_date is not None and document.due_date < document.issue_date:
        out["due_date"] = "is before the issue date"
    period = document.billing_period
    if period is not None and period.end < period.start:
        out["billing_period"] = "ends before it starts"
    if not out:
        for breakdown in compute_totals(document).vat_breakdown:
            if breakdown.taxable_cents < 0:
                out["allowances"] = f"the allowances exceed the lines at {breakdown.rate} % VAT"
    return out


def _exemption_consistency(document: Document, out: dict[str, str]) -> None:
    # EN 16931 has one VAT breakdown per category and rate, carrying one exemption reason.
    seen: dict[VatCategory, VatExemption] = {}
    for index, line in enumerate(document.lines):
        if line.exemption is None or line.vat_category is VatCategory.STANDARD:
            continue
        first = seen.setdefault(line.vat_category, line.exemption)
        if first != line.exemption:
            out[f"lines[{index}].exemption"] = (
                f"differs from another line of VAT category {line.vat_category.value}"
            )
    if VatCategory.REVERSE_CHARGE in seen:
        if document.buyer.vat_number is None:
            out["buyer.vat_number"] = "is required for reverse-charge (autoliquidation) lines"
