"""Files for the accountant: invoices and payments as CSV, journal entries in the FEC layout.

CSV files are what French spreadsheets open directly: UTF-8 with a byte order mark, `;` as
separator, decimal comma. The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) has
its 18 columns in the prescribed order, tab-separated, dates as YYYYMMDD, amounts with a decimal
comma; sales go to journal VE (411 customer / 706 or 707 sales per VAT rate / 44571 VAT
collected per rate), payments to journal BQ (512 bank / 411 customer).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .documents import Document, OperationCategory, Totals, VatCategory
from .models import CREDIT_NOTE

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FEC_MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"
VAT_COLUMNS = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"))
METHOD_LABELS = {
    "transfer": "virement",
    "cheque": "chèque",
    "card": "carte",
    "sepa_direct_debit": "prélèvement SEPA",
}


def euros(cents: int) -> str:
    """1234567 -> '12345,67' (no grouping: accounting software reads it back)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def _rate_label(rate: Decimal) -> str:
    return format(rate.normalize(), "f").replace(".", "_")


@dataclass(frozen=True, slots=True)
class ExportedDocument:
    """An issued document with what the exports print of it."""

    number: str
    type: str
    customer_id: str
    document: Document
    totals: Totals
    settled_cents: int
    hash: str
    corrected_number: str | None


@dataclass(frozen=True, slots=True)
class ExportedPayment:
    received_on: date
    customer_id: str
    customer_name: str
    amount_cents: int
    method: str
    reference: str
    allocations: tuple[tuple[str, int], ...]  # (invoice number, cents)
    unallocated_cents: int
    id: str


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def invoices_csv(documents: list[ExportedDocument]) -> bytes:
    header = [
        "numero",
        "type",
        "date_emission",
        "date_echeance",
        "code_client",
        "client",
        "siren_client",
        "tva_client",
        "contrat",
        "periode_debut",
        "periode_fin",
        "facture_corrigee",
    ]
    for rate in VAT_COLUMNS:
        header += [f"base_ht_{_rate_label(rate)}", f"tva_{_rate_label(rate)}"]
    header += ["base_ht_sans_tva", "total_ht", "total_tva", "total_ttc", "regle", "reste_du"]
    header += ["empreinte"]
    rows = []
    for exported in documents:
        document, totals = exported.document, exported.totals
        by_rate = {
            row.rate: row for row in totals.vat_breakdown if row.category is VatCategory.STANDARD
        }
        untaxed = sum(
            row.taxable_cents
            for row in totals.vat_breakdown
            if row.category is not VatCategory.STANDARD
        )
        period = document.billing_period
        row = [
            exported.number,
            "avoir" if exported.type == CREDIT_NOTE else "facture",
            document.issue_date.isoformat(),
            document.due_date.isoformat() if document.due_date else "",
            document.buyer.customer_number or exported.customer_id,
            document.buyer.name,
            document.buyer.siren or "",
            document.buyer.vat_number or "",
            document.contract_reference or "",
            period.start.isoformat() if period else "",
            period.end.isoformat() if period else "",
            exported.corrected_number or "",
        ]
        for rate in VAT_COLUMNS:
            vat_row = by_rate.get(rate)
            row += [
                euros(vat_row.taxable_cents if vat_row else 0),
                euros(vat_row.vat_cents if vat_row else 0),
            ]
        due = (
            0 if exported.type == CREDIT_NOTE else totals.grand_total_cents - exported.settled_cents
        )
        row += [
            euros(untaxed),
            euros(totals.tax_basis_cents),
            euros(totals.vat_total_cents),
            euros(totals.grand_total_cents),
            euros(exported.settled_cents),
            euros(due),
            exported.hash,
        ]
        rows.append(row)
    return _csv(header, rows)


def payments_csv(payments: list[ExportedPayment]) -> bytes:
    header = [
        "date_reception",
        "code_client",
        "client",
        "montant",
        "mode",
        "reference",
        "factures_reglees",
        "non_affecte",
        "id",
    ]
    rows = [
        [
            payment.received_on.isoformat(),
            payment.customer_id,
            payment.customer_name,
            euros(payment.amount_cents),
            METHOD_LABELS.get(payment.method, payment.method),
            payment.reference,
            " ".join(f"{number}:{euros(cents)}" for number, cents in payment.allocations),
            euros(payment.unallocated_cents),
            payment.id,
        ]
        for payment in payments
    ]
    return _csv(header, rows)


FEC_COLUMNS = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
]
CUSTOMERS_ACCOUNT = ("411000", "Clients")
SERVICES_ACCOUNT = ("706000", "Prestations de services")
GOODS_ACCOUNT = ("707000", "Ventes de marchandises")
VAT_ACCOUNT = "445710"
BANK_ACCOUNT = ("512000", "Banque")


def _fec_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def _sides(cents: int, *, debit: bool, reverse: bool) -> tuple[int, int]:
    """(debit, credit): an invoice debits the customer and credits sales and VAT; a credit
    note reverses both sides."""
    return (cents, 0) if debit != reverse else (0, cents)


def fec(documents: list[ExportedDocument], payments: list[ExportedPayment]) -> tuple[bytes, int]:
    """The FEC file and its number of entry lines."""
    lines: list[list[str]] = []

    def entry(
        journal: tuple[str, str],
        number: str,
        day: date,
        account: tuple[str, str],
        customer: tuple[str, str] | None,
        label: str,
        debit: int,
        credit: int,
    ) -> None:
        lines.append(
            [
                journal[0],
                journal[1],
                number,
                _fec_date(day),
                account[0],
                account[1],
                customer[0] if customer else "",
                _clean(customer[1]) if customer else "",
                number,
                _fec_date(day),
                _clean(label),
                euros(debit),
                euros(credit),
                "",
                "",
                _fec_date(day),
                "",
                "",
            ]
        )

    sales = ("VE", "Ventes")
    for exported in documents:
        document, totals = exported.document, exported.totals
        customer = (document.buyer.customer_number or exported.customer_id, document.buyer.name)
        credit_note = exported.type == CREDIT_NOTE
        label = f"{'Avoir' if credit_note else 'Facture'} {exported.number} {document.buyer.name}"
        day = document.issue_date

        entry(
            sales,
            exported.number,
            day,
            CUSTOMERS_ACCOUNT,
            customer,
            label,
            *_sides(totals.grand_total_cents, debit=True, reverse=credit_note),
        )
        sales_account = (
            GOODS_ACCOUNT
            if document.operation_category is OperationCategory.GOODS
            else SERVICES_ACCOUNT
        )
        for row in totals.vat_breakdown:
            rate = format(row.rate.normalize(), "f").replace(".", ",")
            entry(
                sales,
                exported.number,
                day,
                sales_account,
                None,
                f"{label} HT {rate} %",
                *_sides(row.taxable_cents, debit=False, reverse=credit_note),
            )
            if row.vat_cents:
                entry(
                    sales,
                    exported.number,
                    day,
                    (VAT_ACCOUNT, f"TVA collectée {rate} %"),
                    None,
                    f"{label} TVA {rate} %",
                    *_sides(row.vat_cents, debit=False, reverse=credit_note),
                )
    bank = ("BQ", "Banque")
    for payment in payments:
        number = f"RG-{payment.id[:8].upper()}"
        customer = (payment.customer_id, payment.customer_name)
        label = f"Règlement {METHOD_LABELS.get(payment.method, payment.method)} {payment.reference}"
        entry(bank, number, payment.received_on, BANK_ACCOUNT, None, label, payment.amount_cents, 0)
        entry(
            bank,
            number,
            payment.received_on,
            CUSTOMERS_ACCOUNT,
            customer,
            label,
            0,
            payment.amount_cents,
        )
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_NONE, escapechar="\\"
    )
    writer.writerow(FEC_COLUMNS)
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8"), len(lines)
