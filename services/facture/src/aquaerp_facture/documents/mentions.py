"""French wording of the mandatory mentions and of amounts, shared by the PDF and the XML.

One source for every legal sentence, so the printed invoice and its Factur-X XML never
disagree (CGI ann. II art. 242 nonies A, C. com. L441-9 and L441-10, décret 2022-1299).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aquaerp_facture.documents.model import Document, OperationCategory, Seller

NBSP = "\u00a0"
RECOVERY_INDEMNITY_CENTS = 4000  # C. com. D441-5

OPERATION_CATEGORY_LABELS = {
    OperationCategory.GOODS: "Livraison de biens",
    OperationCategory.SERVICES: "Prestation de services",
    OperationCategory.MIXED: "Mixte (livraison de biens et prestation de services)",
}
VAT_ON_DEBITS = "Option pour le paiement de la taxe d'après les débits"


@dataclass(frozen=True, slots=True)
class Mention:
    """A legal sentence; `subject_code` is its UNTDID 4451 code when it travels as an XML note."""

    subject_code: str | None
    text: str


def format_euros(cents: int) -> str:
    """1234567 -> '12 345,67 €' (non-breaking spaces, French separators)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", NBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def format_decimal(value: Decimal) -> str:
    """Decimal("5.5") -> '5,5'; Decimal("2.000") -> '2'."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def format_rate(rate: Decimal) -> str:
    return f"{format_decimal(rate)}{NBSP}%"


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def seller_identity(seller: Seller) -> str:
    """Legal form, share capital, registration and VAT number of the seller (BT-33)."""
    capital = format_euros(seller.share_capital_cents)
    return (
        f"{seller.name}, {seller.legal_form} au capital de {capital}"
        f" – {seller.rcs_city} {_spaced_siren(seller.siren)} – SIRET {seller.siret}"
        f" – TVA intracommunautaire {seller.vat_number}"
    )


def _spaced_siren(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


def payment_terms(document: Document) -> str:
    if document.is_credit_note:
        return "Avoir imputable sur les prochaines factures ou remboursable sur demande."
    assert document.due_date is not None  # validated: an invoice has a due date
    return f"Paiement par virement au plus tard le {format_date(document.due_date)}."


def late_penalty_text(seller: Seller) -> str:
    return (
        "En cas de retard de paiement, des pénalités sont exigibles sans qu'un rappel soit"
        f" nécessaire, au taux annuel de {format_rate(seller.late_penalty_rate)}"
        " (art. L441-10 du Code de commerce)."
    )


def recovery_indemnity_text() -> str:
    return (
        "Tout retard de paiement entraîne de plein droit une indemnité forfaitaire pour frais"
        f" de recouvrement de {format_euros(RECOVERY_INDEMNITY_CENTS)}"
        " (art. L441-10 et D441-5 du Code de commerce)."
    )


def operation_category_text(document: Document) -> str:
    return f"Catégorie de l'opération : {OPERATION_CATEGORY_LABELS[document.operation_category]}"


def payment_mentions(document: Document) -> list[Mention]:
    """VAT option, early-payment terms, late penalties and (B2B) the recovery indemnity."""
    seller = document.seller
    mentions = []
    if seller.vat_on_debits:
        mentions.append(Mention("TXD", VAT_ON_DEBITS))
    mentions.append(Mention("AAB", seller.early_payment_terms))
    mentions.append(Mention("PMD", late_penalty_text(seller)))
    if document.buyer.is_business:
        mentions.append(Mention("PMT", recovery_indemnity_text()))
    return mentions


def legal_mentions(document: Document) -> list[Mention]:
    """Every mention without a dedicated business term, in print order."""
    return [Mention(None, operation_category_text(document)), *payment_mentions(document)]
