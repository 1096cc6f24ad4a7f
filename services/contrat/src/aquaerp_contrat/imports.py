"""Rows of an imported file as the records they describe, checked with the rules of the API.

A row is read through its column mapping into text per field (`import_mappings.FIELDS`), turned
into the same drafts CreateCustomer, CreateSite, CreateInstallation and CreateContract take,
and validated by the same functions (`validation.customer_values`, `site_values`,
`installation_values`, `contract_terms`). Their field paths are turned back into the file's
columns, and their messages into French, so an error reads "ligne 4, E-mail : adresse e-mail
invalide". No database here: the import service writes the records.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aquaerp_runtime.convert import Address
from aquaerp_runtime.errors import InvalidArgument

from . import validation
from .domain import CustomerType, Frequency, InstallationType, Timing
from .import_mappings import FIELDS

# A row stands for these placeholders while it is checked: the real ids exist only once the
# customer and site are written.
PLACEHOLDER_CUSTOMER = uuid.UUID(int=1)
PLACEHOLDER_SITE = uuid.UUID(int=2)
MAX_REF = 100

PRIVATE_WORDS = {"particulier", "private", "person", "personne", "individu", "particuliers"}
BUSINESS_WORDS = {
    "professionnel",
    "pro",
    "business",
    "company",
    "entreprise",
    "société",
    "societe",
    "pme/pmi",
    "pme",
    "grand compte",
    "administration",
}
INSTALLATION_WORDS = {
    "piscine": InstallationType.POOL,
    "pool": InstallationType.POOL,
    "spa": InstallationType.SPA,
    "traitement": InstallationType.TREATMENT_UNIT,
    "station de traitement": InstallationType.TREATMENT_UNIT,
    "treatment_unit": InstallationType.TREATMENT_UNIT,
}
INSTALLATION_NAMES = {
    InstallationType.POOL: "Piscine",
    InstallationType.SPA: "Spa",
    InstallationType.TREATMENT_UNIT: "Station de traitement",
}
FREQUENCY_WORDS = {
    "mensuel": Frequency.MONTHLY,
    "mensuelle": Frequency.MONTHLY,
    "monthly": Frequency.MONTHLY,
    "trimestriel": Frequency.QUARTERLY,
    "trimestrielle": Frequency.QUARTERLY,
    "quarterly": Frequency.QUARTERLY,
    "semestriel": Frequency.HALF_YEARLY,
    "semestrielle": Frequency.HALF_YEARLY,
    "half_yearly": Frequency.HALF_YEARLY,
    "annuel": Frequency.YEARLY,
    "annuelle": Frequency.YEARLY,
    "yearly": Frequency.YEARLY,
}
TIMING_WORDS = {
    "à échoir": Timing.IN_ADVANCE,
    "a echoir": Timing.IN_ADVANCE,
    "d'avance": Timing.IN_ADVANCE,
    "in_advance": Timing.IN_ADVANCE,
    "à terme échu": Timing.IN_ARREARS,
    "a terme echu": Timing.IN_ARREARS,
    "terme échu": Timing.IN_ARREARS,
    "in_arrears": Timing.IN_ARREARS,
}
YES = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
NO = {"non", "n", "no", "false", "faux", "0", ""}
# Country names as the other tools export them (Odoo writes the name, not the code).
COUNTRY_NAMES = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "luxembourg": "LU",
    "monaco": "MC",
    "espagne": "ES",
    "spain": "ES",
    "italie": "IT",
    "italy": "IT",
    "allemagne": "DE",
    "germany": "DE",
    "andorre": "AD",
    "andorra": "AD",
}

# Where the API's field paths land among the import fields.
CUSTOMER_PATHS = {
    "type": "customer.type",
    "name": "customer.name",
    "legal_form": "customer.legal_form",
    "siren": "customer.siren",
    "siret": "customer.siret",
    "vat_number": "customer.vat_number",
    "billing_address.lines": "customer.address",
    "billing_address.postal_code": "customer.postal_code",
    "billing_address.city": "customer.city",
    "billing_address.country": "customer.country",
    "billing_email": "customer.email",
    "phone": "customer.phone",
    "billing_contact_name": "customer.contact_name",
    "notes": "customer.notes",
    "code": "customer.code",
}
SITE_PATHS = {
    "name": "site.name",
    "address.lines": "site.address",
    "address.postal_code": "site.postal_code",
    "address.city": "site.city",
    "address.country": "customer.country",
    "access_notes": "site.access_notes",
    "gate_code": "site.gate_code",
}
INSTALLATION_PATHS = {
    "type": "installation.type",
    "name": "installation.name",
    "volume_m3": "installation.volume_m3",
}
CONTRACT_PATHS = {
    "billing_frequency": "contract.frequency",
    "billing_timing": "contract.timing",
    "payment_terms.days": "contract.payment_days",
    "start_date": "contract.start_date",
    "end_date": "contract.end_date",
    "notice_period_days": "contract.notice_days",
    "lines.0.product_code": "contract.product_code",
    "lines.0.label": "contract.label",
    "lines.0.quantity": "contract.quantity",
    "lines.0.unit_price": "contract.unit_price",
    "lines.0.vat_rate": "contract.vat_rate",
    "plans.0.rrule": "contract.plan_rrule",
    "plans.0.duration_minutes": "contract.visit_minutes",
    "plans.0.label": "contract.label",
}

# The API's messages in French (what the office reads in the file and on screen).
FRENCH = {
    "required": "obligatoire",
    "invalid email address": "adresse e-mail invalide",
    "a French postal code has 5 digits": "un code postal français a 5 chiffres",
    "street address required": "adresse obligatoire",
    "ISO 3166 two-letter country code": "code pays ISO à deux lettres (FR)",
    "not a number": "nombre attendu",
    "must not be negative": "ne doit pas être négatif",
    "only for business customers": "réservé aux clients professionnels",
    "required for a French business": "obligatoire pour une entreprise française",
    "private or business": "particulier ou professionnel",
    "a SIREN has 9 digits": "le SIREN a 9 chiffres",
    "invalid SIREN (check digit does not match)": "SIREN invalide (clé de contrôle)",
    "a SIRET has 14 digits": "le SIRET a 14 chiffres",
    "the SIRET must start with the SIREN": "le SIRET doit commencer par le SIREN",
    "invalid SIRET (check digit does not match)": "SIRET invalide (clé de contrôle)",
    "invalid French VAT number (key does not match the SIREN)": (
        "n° de TVA français invalide (la clé ne correspond pas au SIREN)"
    ),
    "the VAT number does not belong to this SIREN": "ce n° de TVA n'appartient pas à ce SIREN",
    "must not be before the start date": "ne doit pas précéder la date de début",
    "required for tacit renewal (end of the first term)": (
        "obligatoire avec la tacite reconduction (fin de la première période)"
    ),
    "unknown VAT rate: use 20, 10, 5.5, 2.1 or 0": "taux de TVA : 20, 10, 5,5, 2,1 ou 0",
    "prices are in EUR": "les prix sont en euros",
    "monthly, quarterly, half_yearly or yearly": ("mensuel, trimestriel, semestriel ou annuel"),
    "in_advance or in_arrears": "à échoir ou à terme échu",
    "pool, spa or treatment_unit": "piscine, spa ou traitement",
    "more than 0 and at most 10000 m³": "plus de 0 et au plus 10 000 m³",
    "between 0 and 60 days (C. com. L441-10)": "entre 0 et 60 jours (C. com. L441-10)",
    "between 0 and 365 days": "entre 0 et 365 jours",
    "between 5 and 720 minutes": "entre 5 et 720 minutes",
    "letters, digits, dot, dash or underscore (1 to 40)": (
        "lettres, chiffres, point, tiret ou souligné (1 à 40)"
    ),
    "letters, digits, dash or underscore, at most 32": (
        "lettres, chiffres, tiret ou souligné, 32 au plus"
    ),
    "more than 0 and at most 1,000,000": "plus de 0 et au plus 1 000 000",
    "at most 3 decimals": "3 décimales au plus",
    "at most 1,000,000.00 EUR": "1 000 000,00 € au plus",
}
AT_MOST = re.compile(r"^at most (\d+) characters$")


def french(message: str) -> str:
    if message in FRENCH:
        return FRENCH[message]
    if match := AT_MOST.match(message):
        return f"{match.group(1)} caractères au plus"
    return message


@dataclass(frozen=True)
class CellError:
    field: str  # import field key
    message: str  # French


@dataclass
class ImportRow:
    """One valid row, ready to be written (column values as the repository takes them)."""

    number: int  # row number in the file (header = 1)
    customer_ref: str
    customer: dict[str, Any]
    site: dict[str, Any] | None = None
    site_from_customer_address: bool = False
    installation: dict[str, Any] | None = None
    contract_ref: str = ""
    contract: validation.ContractTerms | None = None


@dataclass
class CheckedRow:
    number: int
    row: ImportRow | None
    errors: list[CellError] = field(default_factory=list)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[CellError] = []

    def add(self, field_key: str, message: str) -> None:
        if not any(e.field == field_key for e in self.errors):
            self.errors.append(CellError(field_key, message))

    def run(self, paths: dict[str, str], entity: str, check: Any, *args: Any) -> Any:
        """Calls a validation function; its violations become errors on import fields."""
        try:
            return check(*args)
        except InvalidArgument as error:
            for path, message in (error.fields or {"": error.message}).items():
                key = paths.get(path)
                if key is None:
                    self.add(entity, f"{path} : {french(message)}" if path else french(message))
                else:
                    self.add(key, french(message))
            return None


def _choice(values: dict[str, Any], raw: str) -> Any:
    return values.get(raw.strip().lower())


def _country(raw: str) -> str:
    value = raw.strip()
    if len(value) == 2:
        return value.upper()
    return COUNTRY_NAMES.get(value.lower(), value)


def _date(raw: str) -> date | str | None:
    """A date written ISO (2026-03-01, also from an XLSX date) or French (01/03/2026); an error
    message when it is neither."""
    value = raw.strip()
    if not value:
        return None
    for layout in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, layout).date()
        except ValueError:
            continue
    return "date attendue (JJ/MM/AAAA)"


def _integer(raw: str, default: int) -> int | None:
    value = raw.strip()
    if not value:
        return default
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral() else None


def _cents(raw: str) -> int | str | None:
    value = raw.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return "montant attendu (ex. 1250,00)"
    cents = amount * 100
    if cents != cents.to_integral():
        return "deux décimales au plus"
    return int(cents)


def _customer_type(values: dict[str, str], errors: _Collector) -> CustomerType | None:
    raw = values.get("customer.type", "").strip().lower()
    if raw in PRIVATE_WORDS:
        return CustomerType.PRIVATE
    if raw in BUSINESS_WORDS:
        return CustomerType.BUSINESS
    business_hint = any(
        values.get(key, "").strip()
        for key in ("customer.siren", "customer.siret", "customer.legal_form")
    )
    if raw and raw not in {"autre", "other"}:
        errors.add("customer.type", "particulier ou professionnel")
        return None
    return CustomerType.BUSINESS if business_hint else CustomerType.PRIVATE


def _reference(values: dict[str, str], key: str, errors: _Collector) -> str:
    ref = values.get(key, "").strip()
    if not ref:
        errors.add(key, "obligatoire : la référence rend l'import rejouable")
    elif len(ref) > MAX_REF:
        errors.add(key, f"{MAX_REF} caractères au plus")
    return ref


def _any(values: dict[str, str], prefix: str) -> bool:
    return any(v.strip() for k, v in values.items() if k.startswith(prefix))


def check_row(number: int, values: dict[str, str]) -> CheckedRow:
    """One row's records, validated as the API validates them, or its errors."""
    errors = _Collector()
    customer_ref = _reference(values, "customer.external_ref", errors)
    customer_type = _customer_type(values, errors)
    address = Address(
        lines=tuple(values.get(k, "") for k in ("customer.address", "customer.address2")),
        postal_code=values.get("customer.postal_code", ""),
        city=values.get("customer.city", ""),
        country=_country(values.get("customer.country", "")),
    )
    customer = errors.run(
        CUSTOMER_PATHS,
        "customer.name",
        validation.customer_values,
        validation.CustomerDraft(
            type=customer_type or CustomerType.PRIVATE,
            name=values.get("customer.name", ""),
            legal_form=values.get("customer.legal_form", ""),
            siren=values.get("customer.siren", ""),
            siret=values.get("customer.siret", ""),
            vat_number=values.get("customer.vat_number", ""),
            billing_address=address,
            billing_contact_name=values.get("customer.contact_name", ""),
            billing_email=values.get("customer.email", ""),
            phone=values.get("customer.phone", ""),
            notes=values.get("customer.notes", ""),
            code=values.get("customer.code", ""),
        ),
    )
    with_contract = _any(values, "contract.")
    with_installation = _any(values, "installation.")
    with_site = _any(values, "site.") or with_contract or with_installation
    row = ImportRow(number, customer_ref, customer or {})
    if with_site:
        own_address = any(
            values.get(k, "").strip() for k in ("site.address", "site.postal_code", "site.city")
        )
        site_address = (
            Address(
                (values.get("site.address", ""),),
                values.get("site.postal_code", ""),
                values.get("site.city", ""),
                address.country,
            )
            if own_address
            else address
        )
        site_paths = SITE_PATHS if own_address else {**SITE_PATHS, **_quiet_address_paths()}
        row.site_from_customer_address = not own_address
        row.site = errors.run(
            site_paths,
            "site.name",
            validation.site_values,
            validation.SiteDraft(
                name=values.get("site.name", "").strip() or "Site principal",
                address=site_address,
                access_notes=values.get("site.access_notes", ""),
                gate_code=values.get("site.gate_code", ""),
            ),
        )
    if with_installation:
        _installation(values, errors, row)
    if with_contract:
        row.contract_ref = _reference(values, "contract.external_ref", errors)
        _contract(values, errors, row)
    # A site address copied from the customer is reported on the customer's columns only.
    kept = [e for e in errors.errors if e.field != "-"]
    return CheckedRow(number, None if kept else row, kept)


def _quiet_address_paths() -> dict[str, str]:
    return {"address.lines": "-", "address.postal_code": "-", "address.city": "-"}


def _installation(values: dict[str, str], errors: _Collector, row: ImportRow) -> None:
    kind = _choice(INSTALLATION_WORDS, values.get("installation.type", "")) or (
        InstallationType.POOL if not values.get("installation.type", "").strip() else None
    )
    volume_text = values.get("installation.volume_m3", "").strip().replace(",", ".")
    try:
        volume = float(volume_text) if volume_text else 0.0
    except ValueError:
        errors.add("installation.volume_m3", "nombre attendu (m³)")
        volume = 1.0
    name = values.get("installation.name", "").strip() or (
        INSTALLATION_NAMES[kind] if kind else "Installation"
    )
    row.installation = errors.run(
        INSTALLATION_PATHS,
        "installation.name",
        validation.installation_values,
        validation.InstallationDraft(type=kind, name=name, volume_m3=volume),
    )


def _contract(values: dict[str, str], errors: _Collector, row: ImportRow) -> None:
    start = _date(values.get("contract.start_date", ""))
    end = _date(values.get("contract.end_date", ""))
    for key, parsed in (("contract.start_date", start), ("contract.end_date", end)):
        if isinstance(parsed, str):
            errors.add(key, parsed)
    cents = _cents(values.get("contract.unit_price", ""))
    if isinstance(cents, str):
        errors.add("contract.unit_price", cents)
        cents = 0
    payment_days = _integer(values.get("contract.payment_days", ""), 30)
    notice_days = _integer(values.get("contract.notice_days", ""), 0)
    minutes = _integer(values.get("contract.visit_minutes", ""), 60)
    for key, number in (
        ("contract.payment_days", payment_days),
        ("contract.notice_days", notice_days),
        ("contract.visit_minutes", minutes),
    ):
        if number is None:
            errors.add(key, "nombre entier attendu")
    renewal = values.get("contract.tacit_renewal", "").strip().lower()
    if renewal not in YES | NO:
        errors.add("contract.tacit_renewal", "oui ou non")
    frequency_text = values.get("contract.frequency", "")
    timing_text = values.get("contract.timing", "").strip() or "à échoir"
    label = values.get("contract.label", "").strip() or "Entretien"
    rrule = values.get("contract.plan_rrule", "").strip()
    site = str(PLACEHOLDER_SITE)
    draft = validation.ContractDraft(
        customer_id=str(PLACEHOLDER_CUSTOMER),
        site_ids=[site],
        lines=[
            validation.LineDraft(
                product_code=values.get("contract.product_code", "").strip() or "ENTRETIEN",
                label=label,
                quantity=values.get("contract.quantity", ""),
                unit_price_cents=cents,
                currency="EUR",
                vat_rate=values.get("contract.vat_rate", "").strip().rstrip("%").strip(),
                site_id=site,
            )
        ],
        frequency=_choice(FREQUENCY_WORDS, frequency_text),
        timing=_choice(TIMING_WORDS, timing_text),
        payment_days=payment_days if payment_days is not None else 30,
        start_date=start if isinstance(start, date) else None,
        end_date=end if isinstance(end, date) else None,
        tacit_renewal=renewal in YES and renewal != "",
        notice_period_days=notice_days if notice_days is not None else 0,
        plans=(
            [
                validation.PlanDraft(
                    site_id=site,
                    label=label,
                    rrule=rrule,
                    duration_minutes=minutes if minutes is not None else 60,
                )
            ]
            if rrule
            else []
        ),
    )
    if isinstance(start, str):  # already reported; keep the contract's other checks
        draft.start_date = date(2000, 1, 1)
    row.contract = errors.run(CONTRACT_PATHS, "contract.label", validation.contract_terms, draft)


# -- a whole file -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FileError:
    row: int
    column: str
    field: str
    message: str

    def text(self) -> str:
        return f"{self.column or FIELDS.get(self.field, self.field)} : {self.message}"


def row_values(row: list[str], columns: list[tuple[int, str]]) -> dict[str, str]:
    """Field -> cell text of one row, through the mapping (column index, field)."""
    return {field_key: row[index] for index, field_key in columns}


def check_rows(
    rows: list[list[str]], columns: list[tuple[int, str]], headers: list[str]
) -> tuple[list[ImportRow], list[FileError]]:
    """Every row checked; the valid ones and the errors by row and column. A contract
    reference used on two rows is an error on the second."""
    column_of = {field_key: headers[index] for index, field_key in columns}
    valid: list[ImportRow] = []
    errors: list[FileError] = []
    contract_rows: dict[str, int] = {}
    for offset, cells in enumerate(rows):
        number = offset + 2
        checked = check_row(number, row_values(cells, columns))
        row_errors = [
            FileError(number, column_of.get(e.field, ""), e.field, e.message)
            for e in checked.errors
        ]
        if checked.row is not None and checked.row.contract_ref:
            first = contract_rows.setdefault(checked.row.contract_ref, number)
            if first != number:
                row_errors.append(
                    FileError(
                        number,
                        column_of.get("contract.external_ref", ""),
                        "contract.external_ref",
                        f"déjà utilisée ligne {first}",
                    )
                )
        if row_errors:
            errors.extend(row_errors)
        elif checked.row is not None:
            valid.append(checked.row)
    return valid, errors
