"""Files for the accountant: invoices and payments as CSV, journal entries in the FEC layout.

CSV files are what French spreadsheets open directly: UTF-8 with a byte order mark, `;` as
separator, decimal comma. The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) has
its 18 columns in the prescribed order, tab-separated, dates as YYYYMMDD, amounts with a decimal
comma; sales go to journal VE (411 customer / 706 or 707 sales per VAT rate / 44571 VAT
collected per rate), payments to journal BQ (512 bank / 411 customer). A customer has one
auxiliary account, its customer code, on its sales and bank lines; the 411 lines of invoices and
of the payments allocated to them carry the same lettering code (AA, AB...: upper case when the
group balances, lower case while it is partly paid) and the date of the group's last entry.

No cell starts a spreadsheet formula: a text cell starting with = + - @, a tab or a carriage
return is prefixed with an apostrophe (OWASP "CSV injection"), in every file: the runtime's
csv_export does it for every service.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aquaerp_runtime.csv_export import CSV_MEDIA_TYPE as CSV_MEDIA_TYPE
from aquaerp_runtime.csv_export import csv_bytes, euros, neutralised

from .documents import Document, OperationCategory, Totals, VatCategory
from .models import CREDIT_NOTE

FEC_MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"
VAT_COLUMNS = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"))
METHOD_LABELS = {
    "transfer": "virement",
    "cheque": "chèque",
    "card": "carte",
    "sepa_direct_debit": "prélèvement SEPA",
}


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
    customer_code: str = ""


@dataclass(frozen=True, slots=True)
class ListedDocument:
    """A row of the invoice list as exported (drafts included)."""

    number: str
    type: str
    customer_name: str
    status: str
    issue_date: date | None
    due_date: date | None
    excluding_vat_cents: int
    vat_cents: int
    including_vat_cents: int
    settled_cents: int


STATUS_LABELS = {
    "draft": "brouillon",
    "issued": "émise",
    "partially_paid": "partiellement réglée",
    "paid": "réglée",
}


def invoice_list_csv(documents: list[ListedDocument]) -> bytes:
    """The office's invoice list as shown, one row per document, in the list's order."""
    header = [
        "Numéro",
        "Type",
        "Client",
        "Statut",
        "Émise le",
        "Échéance",
        "Total HT",
        "TVA",
        "Total TTC",
        "Réglé",
        "Reste dû",
    ]
    rows = [
        [
            d.number,
            "avoir" if d.type == CREDIT_NOTE else "facture",
            d.customer_name,
            STATUS_LABELS.get(d.status, d.status),
            d.issue_date.isoformat() if d.issue_date else "",
            d.due_date.isoformat() if d.due_date else "",
            euros(d.excluding_vat_cents),
            euros(d.vat_cents),
            euros(d.including_vat_cents),
            euros(d.settled_cents),
            euros(d.including_vat_cents - d.settled_cents),
        ]
        for d in documents
    ]
    return _csv(header, rows)


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    return csv_bytes(header, rows)


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


def lettering_code(index: int) -> str:
    """AA, AB, ..., AZ, BA, ..., ZZ, AAA, ... for 0, 1, 2, ..."""
    width = 2
    while index >= 26**width:
        index -= 26**width
        width += 1
    letters = []
    for _ in range(width):
        index, rest = divmod(index, 26)
        letters.append(chr(ord("A") + rest))
    return "".join(reversed(letters))


def _letterings(
    documents: list[ExportedDocument], payments: list[ExportedPayment]
) -> dict[str, tuple[str, date]]:
    """(code, date) of each lettered 411 entry, keyed `invoice:<number>` / `payment:<id>`:
    invoices and the payments allocated to them, grouped when a payment settles several."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    invoices = {d.number: d for d in documents if d.type != CREDIT_NOTE}
    for payment in payments:
        for number, _cents in payment.allocations:
            if number in invoices:
                parent[root(f"payment:{payment.id}")] = root(f"invoice:{number}")
    groups: dict[str, list[str]] = {}
    for node in list(parent):
        groups.setdefault(root(node), []).append(node)
    days = {f"invoice:{d.number}": d.document.issue_date for d in invoices.values()}
    days |= {f"payment:{p.id}": p.received_on for p in payments}
    debit = {f"invoice:{d.number}": d.totals.grand_total_cents for d in invoices.values()}
    credit = {f"payment:{p.id}": p.amount_cents for p in payments}
    result: dict[str, tuple[str, date]] = {}
    ordered = sorted(groups.values(), key=lambda nodes: min((days[n], n) for n in nodes))
    for index, nodes in enumerate(ordered):
        balanced = sum(debit.get(n, 0) for n in nodes) == sum(credit.get(n, 0) for n in nodes)
        code = lettering_code(index)
        code = code if balanced else code.lower()
        last = max(days[n] for n in nodes)
        result.update({node: (code, last) for node in nodes})
    return result


def fec(
    documents: list[ExportedDocument],
    payments: list[ExportedPayment],
    customer_codes: Mapping[str, str] | None = None,
) -> tuple[bytes, int]:
    """The FEC file and its number of entry lines. `customer_codes`: each customer's code (its
    auxiliary account), else the code on its documents, else its id."""
    lines: list[list[str]] = []
    codes = dict(customer_codes or {})
    for exported in documents:
        codes.setdefault(
            exported.customer_id, exported.document.buyer.customer_number or exported.customer_id
        )
    for payment in payments:
        codes.setdefault(payment.customer_id, payment.customer_code or payment.customer_id)
    letterings = _letterings(documents, payments)

    def entry(
        journal: tuple[str, str],
        number: str,
        day: date,
        account: tuple[str, str],
        customer: tuple[str, str] | None,
        label: str,
        debit: int,
        credit: int,
        lettering: tuple[str, date] | None = None,
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
                lettering[0] if lettering else "",
                _fec_date(lettering[1]) if lettering else "",
                _fec_date(day),
                "",
                "",
            ]
        )

    sales = ("VE", "Ventes")
    for exported in documents:
        document, totals = exported.document, exported.totals
        customer = (codes[exported.customer_id], document.buyer.name)
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
            None if credit_note else letterings.get(f"invoice:{exported.number}"),
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
        customer = (codes[payment.customer_id], payment.customer_name)
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
            letterings.get(f"payment:{payment.id}"),
        )
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_NONE, escapechar="\\"
    )
    writer.writerow(FEC_COLUMNS)
    writer.writerows([neutralised(cell) for cell in line] for line in lines)
    return buffer.getvalue().encode("utf-8"), len(lines)
