"""Input as received (drafts) and its validation into domain values.

Every problem is collected with the path of its field, relative to the input object
("siren", "lines.0.vat_rate", "plans.1.seasons.0.rrule"), and reported at once as one
INVALID_ARGUMENT, so a form can show all of them and nothing is changed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from aquaerp_runtime.convert import EUR
from aquaerp_runtime.countries import is_country
from aquaerp_runtime.errors import InvalidArgument

from . import identifiers
from .domain import (
    Address,
    ContractLine,
    CustomerType,
    Equipment,
    Frequency,
    Indexation,
    IndexationMethod,
    InstallationType,
    MaintenancePlan,
    PricePoint,
    Season,
    Timing,
)
from .planning import normalize_rrule, rrule_error, seasons_error

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
FRENCH_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
PRODUCT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# French VAT rates in basis points (C. général des impôts art. 278 to 281 nonies).
VAT_RATES_BP = {2000, 1000, 550, 210, 0}
MAX_PRICE_CENTS = 100_000_000  # 1 million euros per unit and period


def vat_rate_text(basis_points: int) -> str:
    """2000 -> "20.0", 550 -> "5.5"."""
    return f"{Decimal(basis_points) / 100:.1f}"


def quantity_text(milli: int) -> str:
    """2500 -> "2.5", 1000 -> "1"."""
    value = Decimal(milli) / 1000
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


# -- drafts: what callers send ---------------------------------------------------------------
@dataclass
class CustomerDraft:
    type: CustomerType | None
    name: str = ""
    legal_form: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    billing_address: Address = field(default_factory=Address)
    billing_contact_name: str = ""
    billing_email: str = ""
    phone: str = ""
    notes: str = ""
    code: str = ""


@dataclass
class SiteDraft:
    name: str = ""
    address: Address = field(default_factory=Address)
    latitude: float | None = None
    longitude: float | None = None
    access_notes: str = ""
    gate_code: str = ""


@dataclass
class InstallationDraft:
    type: InstallationType | None
    name: str = ""
    volume_m3: float = 0.0
    equipment: list[Equipment] = field(default_factory=list)
    notes: str = ""


@dataclass
class LineDraft:
    product_code: str = ""
    label: str = ""
    quantity: str = ""
    unit_code: str = ""
    unit_price_cents: int | None = None
    currency: str = ""
    vat_rate: str = ""
    site_id: str = ""


@dataclass
class SeasonDraft:
    name: str = ""
    start_month_day: str = ""
    end_month_day: str = ""
    rrule: str = ""


@dataclass
class PlanDraft:
    id: str = ""
    site_id: str = ""
    label: str = ""
    description: str = ""
    rrule: str = ""
    seasons: list[SeasonDraft] = field(default_factory=list)
    window_start: str = ""
    window_end: str = ""
    duration_minutes: int = 0
    required_skill: str = ""
    next_from_completion: bool = False


@dataclass
class IndexationDraft:
    method: IndexationMethod | None = None
    percentage: str = ""
    index_name: str = ""
    base_index_value: str = ""


@dataclass
class ContractDraft:
    customer_id: str = ""
    site_ids: list[str] = field(default_factory=list)
    lines: list[LineDraft] = field(default_factory=list)
    frequency: Frequency | None = None
    timing: Timing | None = None
    payment_days: int = 30
    payment_end_of_month: bool = False
    start_date: date | None = None
    end_date: date | None = None
    tacit_renewal: bool = False
    renewal_term_months: int = 0
    notice_period_days: int = 0
    indexation: IndexationDraft = field(default_factory=IndexationDraft)
    sla_hours: int = 0
    notes: str = ""
    plans: list[PlanDraft] = field(default_factory=list)


# -- collecting problems ---------------------------------------------------------------------
class Violations:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.fields.setdefault(path, message)

    def raise_if_any(self, summary: str = "invalid input") -> None:
        if self.fields:
            first = next(iter(self.fields.items()))
            detail = (
                f"{first[0]}: {first[1]}"
                if len(self.fields) == 1
                else f"{summary} ({len(self.fields)} fields)"
            )
            raise InvalidArgument(detail, fields=self.fields)


def text(violations: Violations, path: str, value: str, *, required: bool, max_length: int) -> str:
    value = value.strip()
    if required and not value:
        violations.add(path, "required")
    elif len(value) > max_length:
        violations.add(path, f"at most {max_length} characters")
    return value


def parse_uuid(
    violations: Violations, path: str, value: str, *, required: bool = True
) -> uuid.UUID | None:
    if not value:
        if required:
            violations.add(path, "required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        violations.add(path, "not a valid id")
        return None


def address(violations: Violations, path: str, value: Address, *, required: bool) -> Address:
    lines = tuple(line.strip() for line in value.lines if line.strip())
    country = (value.country.strip() or "FR").upper()
    postal_code = value.postal_code.strip()
    city = value.city.strip()
    empty = not lines and not postal_code and not city
    if empty and not required:
        return Address(country=country)
    if not lines:
        violations.add(f"{path}.lines", "street address required")
    if len(lines) > 3 or any(len(line) > 200 for line in lines):
        violations.add(f"{path}.lines", "at most 3 lines of 200 characters")
    if not COUNTRY.match(country) or not is_country(country):
        violations.add(f"{path}.country", "ISO 3166 two-letter country code")
    if not postal_code:
        violations.add(f"{path}.postal_code", "required")
    elif country == "FR" and not FRENCH_POSTAL_CODE.match(postal_code):
        violations.add(f"{path}.postal_code", "a French postal code has 5 digits")
    elif len(postal_code) > 16:
        violations.add(f"{path}.postal_code", "at most 16 characters")
    if not city:
        violations.add(f"{path}.city", "required")
    elif len(city) > 100:
        violations.add(f"{path}.city", "at most 100 characters")
    return Address(lines, postal_code, city, country)


# -- customers -------------------------------------------------------------------------------
def customer_values(draft: CustomerDraft) -> dict[str, Any]:
    """Column-ready values of a valid customer, or InvalidArgument naming every bad field."""
    v = Violations()
    if draft.type is None:
        v.add("type", "private or business")
    values: dict[str, Any] = {
        "type": draft.type.value if draft.type else "",
        "name": text(v, "name", draft.name, required=True, max_length=200),
        "billing_address": address(v, "billing_address", draft.billing_address, required=False),
        "billing_contact_name": text(
            v, "billing_contact_name", draft.billing_contact_name, required=False, max_length=200
        ),
        "billing_email": draft.billing_email.strip().lower(),
        "phone": text(v, "phone", draft.phone, required=False, max_length=40),
        "notes": text(v, "notes", draft.notes, required=False, max_length=5000),
        "legal_form": "",
        "siren": "",
        "siret": "",
        "vat_number": "",
    }
    if values["billing_email"] and (
        not EMAIL.match(values["billing_email"]) or len(values["billing_email"]) > 320
    ):
        v.add("billing_email", "invalid email address")
    siren = identifiers.compact(draft.siren)
    siret = identifiers.compact(draft.siret)
    vat_number = identifiers.compact(draft.vat_number)
    if draft.type == CustomerType.PRIVATE:
        for path, given in (
            ("legal_form", draft.legal_form.strip()),
            ("siren", siren),
            ("siret", siret),
            ("vat_number", vat_number),
        ):
            if given:
                v.add(path, "only for business customers")
    elif draft.type == CustomerType.BUSINESS:
        values["legal_form"] = text(v, "legal_form", draft.legal_form, required=True, max_length=60)
        french = values["billing_address"].country == "FR"
        if siren or french:
            if error := identifiers.siren_error(siren):
                v.add("siren", "required for a French business" if not siren else error)
        if siret and (error := identifiers.siret_error(siret, siren)):
            v.add("siret", error)
        if vat_number and (error := identifiers.vat_number_error(vat_number, siren)):
            v.add("vat_number", error)
        values.update(siren=siren, siret=siret, vat_number=vat_number)
    code = draft.code.strip().upper()
    if code and not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,31}", code):
        v.add("code", "letters, digits, dash or underscore, at most 32")
    values["code"] = code
    v.raise_if_any("invalid customer")
    return values


# -- sites and installations -------------------------------------------------------------------
def site_values(draft: SiteDraft) -> dict[str, Any]:
    v = Violations()
    values: dict[str, Any] = {
        "name": text(v, "name", draft.name, required=True, max_length=200),
        "address": address(v, "address", draft.address, required=True),
        "access_notes": text(
            v, "access_notes", draft.access_notes, required=False, max_length=2000
        ),
        "gate_code": text(v, "gate_code", draft.gate_code, required=False, max_length=100),
        "latitude": None,
        "longitude": None,
    }
    if (draft.latitude is None) != (draft.longitude is None):
        v.add("geo", "latitude and longitude go together")
    elif draft.latitude is not None and draft.longitude is not None:
        if not -90 <= draft.latitude <= 90:
            v.add("geo.latitude", "between -90 and 90")
        if not -180 <= draft.longitude <= 180:
            v.add("geo.longitude", "between -180 and 180")
        values.update(latitude=draft.latitude, longitude=draft.longitude)
    v.raise_if_any("invalid site")
    return values


def installation_values(draft: InstallationDraft) -> dict[str, Any]:
    v = Violations()
    if draft.type is None:
        v.add("type", "pool, spa or treatment_unit")
    if not 0 < draft.volume_m3 <= 10_000:
        v.add("volume_m3", "more than 0 and at most 10000 m³")
    equipment = []
    for index, item in enumerate(draft.equipment):
        path = f"equipment.{index}"
        equipment.append(
            {
                "kind": text(v, f"{path}.kind", item.kind, required=True, max_length=100),
                "brand": text(v, f"{path}.brand", item.brand, required=False, max_length=100),
                "model": text(v, f"{path}.model", item.model, required=False, max_length=100),
                "serial_number": text(
                    v, f"{path}.serial_number", item.serial_number, required=False, max_length=100
                ),
            }
        )
    if len(equipment) > 50:
        v.add("equipment", "at most 50 items")
    values = {
        "type": draft.type.value if draft.type else "",
        "name": text(v, "name", draft.name, required=True, max_length=200),
        "volume_m3": round(draft.volume_m3, 3),
        "equipment": equipment,
        "notes": text(v, "notes", draft.notes, required=False, max_length=5000),
    }
    v.raise_if_any("invalid installation")
    return values


# -- contracts ---------------------------------------------------------------------------------
def parse_decimal(violations: Violations, path: str, value: str) -> Decimal | None:
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        violations.add(path, "not a number")
        return None
    if not number.is_finite():
        violations.add(path, "not a number")
        return None
    return number


def price_cents(violations: Violations, path: str, cents: int | None, currency: str) -> int:
    if cents is None:
        violations.add(path, "required")
        return 0
    if currency and currency.upper() != EUR:
        violations.add(path, "prices are in EUR")
    if cents < 0:
        violations.add(path, "must not be negative")
    elif cents > MAX_PRICE_CENTS:
        violations.add(path, "at most 1,000,000.00 EUR")
    return cents


def vat_rate_bp(violations: Violations, path: str, value: str) -> int:
    number = parse_decimal(violations, path, value) if value.strip() else None
    if number is None:
        if not value.strip():
            violations.add(path, "required")
        return 0
    basis_points = number * 100
    if basis_points != basis_points.to_integral() or int(basis_points) not in VAT_RATES_BP:
        violations.add(path, "unknown VAT rate: use 20, 10, 5.5, 2.1 or 0")
        return 0
    return int(basis_points)


def quantity_milli(violations: Violations, path: str, value: str) -> int:
    number = parse_decimal(violations, path, value or "1")
    if number is None:
        return 0
    milli = number * 1000
    if milli != milli.to_integral():
        violations.add(path, "at most 3 decimals")
    elif not 0 < milli <= 1_000_000_000:
        violations.add(path, "more than 0 and at most 1,000,000")
    return int(milli)


def month_day(violations: Violations, path: str, value: str) -> tuple[int, int]:
    """A day of the year, "MM-DD" (29 February allowed)."""
    return _month_day(violations, path, value)


def _month_day(violations: Violations, path: str, value: str) -> tuple[int, int]:
    match = MONTH_DAY.match(value.strip())
    if not match or int(match.group(2)) > DAYS_IN_MONTH[int(match.group(1)) - 1]:
        violations.add(path, "a day of the year as MM-DD")
        return (1, 1)
    return int(match.group(1)), int(match.group(2))


def _hhmm(violations: Violations, path: str, value: str) -> time:
    match = HHMM.match(value.strip())
    if not match:
        violations.add(path, "a local time as HH:MM")
        return time(0, 0)
    return time(int(match.group(1)), int(match.group(2)))


def plans(
    drafts: list[PlanDraft], site_ids: set[uuid.UUID], *, prefix: str = "plans"
) -> list[MaintenancePlan]:
    v = Violations()
    result = _plans(v, drafts, site_ids, prefix)
    v.raise_if_any("invalid maintenance plans")
    return result


def _plans(
    v: Violations, drafts: list[PlanDraft], site_ids: set[uuid.UUID], prefix: str
) -> list[MaintenancePlan]:
    result = []
    seen: set[uuid.UUID] = set()
    for index, draft in enumerate(drafts):
        path = f"{prefix}.{index}"
        plan_id = parse_uuid(v, f"{path}.id", draft.id, required=False) or uuid.uuid4()
        if plan_id in seen:
            v.add(f"{path}.id", "the same plan twice")
        seen.add(plan_id)
        site_id = parse_uuid(v, f"{path}.site_id", draft.site_id)
        if site_id is not None and site_id not in site_ids:
            v.add(f"{path}.site_id", "not one of the contract's sites")
        rule = normalize_rrule(draft.rrule)
        if error := rrule_error(rule):
            v.add(f"{path}.rrule", error)
        seasons = []
        for season_index, season in enumerate(draft.seasons):
            season_path = f"{path}.seasons.{season_index}"
            season_rule = normalize_rrule(season.rrule)
            if season_rule and (error := rrule_error(season_rule)):
                v.add(f"{season_path}.rrule", error)
            seasons.append(
                Season(
                    name=text(v, f"{season_path}.name", season.name, required=True, max_length=60),
                    start=_month_day(v, f"{season_path}.start_month_day", season.start_month_day),
                    end=_month_day(v, f"{season_path}.end_month_day", season.end_month_day),
                    rrule=season_rule,
                )
            )
        if error := seasons_error(tuple(seasons)):
            v.add(f"{path}.seasons", error)
        window_start = _hhmm(v, f"{path}.time_window.start", draft.window_start or "08:00")
        window_end = _hhmm(v, f"{path}.time_window.end", draft.window_end or "18:00")
        if window_end <= window_start:
            v.add(f"{path}.time_window", "the end must be after the start")
        if not 5 <= draft.duration_minutes <= 720:
            v.add(f"{path}.duration_minutes", "between 5 and 720 minutes")
        result.append(
            MaintenancePlan(
                id=plan_id,
                site_id=site_id or uuid.UUID(int=0),
                label=text(v, f"{path}.label", draft.label, required=True, max_length=200),
                description=text(
                    v, f"{path}.description", draft.description, required=False, max_length=5000
                ),
                rrule=rule,
                seasons=tuple(seasons),
                window_start=window_start,
                window_end=window_end,
                duration_minutes=draft.duration_minutes,
                required_skill=text(
                    v, f"{path}.required_skill", draft.required_skill, required=False, max_length=60
                ),
                next_from_completion=draft.next_from_completion,
            )
        )
    if len(result) > 50:
        v.add(prefix, "at most 50 plans")
    return result


def indexation(v: Violations, draft: IndexationDraft) -> Indexation:
    method = draft.method or IndexationMethod.NONE
    if method == IndexationMethod.PERCENTAGE:
        percentage = parse_decimal(v, "indexation.percentage", draft.percentage or "")
        if percentage is not None and not Decimal("-20") <= percentage <= Decimal("20"):
            v.add("indexation.percentage", "between -20 and 20 percent")
        return Indexation(method, percentage=percentage)
    if method == IndexationMethod.INDEX:
        name = text(v, "indexation.index_name", draft.index_name, required=True, max_length=60)
        base = parse_decimal(v, "indexation.base_index_value", draft.base_index_value or "")
        if base is not None and base <= 0:
            v.add("indexation.base_index_value", "must be positive")
        return Indexation(
            method, index_name=name, base_index_value=base, reference_index_value=base
        )
    return Indexation()


@dataclass(frozen=True)
class ContractTerms:
    """A validated contract draft."""

    customer_id: uuid.UUID
    site_ids: tuple[uuid.UUID, ...]
    lines: tuple[ContractLine, ...]
    plans: tuple[MaintenancePlan, ...]
    values: dict[str, Any]


def contract_terms(draft: ContractDraft) -> ContractTerms:
    """Validates a contract draft (everything that does not need the database)."""
    v = Violations()
    customer_id = parse_uuid(v, "customer_id", draft.customer_id)
    site_ids: list[uuid.UUID] = []
    for index, raw in enumerate(draft.site_ids):
        site_id = parse_uuid(v, f"site_ids.{index}", raw)
        if site_id is not None and site_id not in site_ids:
            site_ids.append(site_id)
    if draft.frequency is None:
        v.add("billing_frequency", "monthly, quarterly, half_yearly or yearly")
    if draft.timing is None:
        v.add("billing_timing", "in_advance or in_arrears")
    if not 0 <= draft.payment_days <= 60:
        v.add("payment_terms.days", "between 0 and 60 days (C. com. L441-10)")
    if draft.payment_end_of_month and draft.payment_days > 45:
        v.add("payment_terms.days", "at most 45 days end of month (C. com. L441-10)")
    if draft.start_date is None:
        v.add("start_date", "required")
    if (
        draft.end_date is not None
        and draft.start_date is not None
        and draft.end_date < draft.start_date
    ):
        v.add("end_date", "must not be before the start date")
    if draft.tacit_renewal and draft.end_date is None:
        v.add("end_date", "required for tacit renewal (end of the first term)")
    renewal_term_months = draft.renewal_term_months or 12
    if not 1 <= renewal_term_months <= 60:
        v.add("renewal_term_months", "between 1 and 60 months")
    if not 0 <= draft.notice_period_days <= 365:
        v.add("notice_period_days", "between 0 and 365 days")
    if not 0 <= draft.sla_hours <= 720:
        v.add("sla_hours", "between 0 and 720 hours")
    start = draft.start_date or date.min
    lines = []
    for index, line in enumerate(draft.lines):
        path = f"lines.{index}"
        site_id = parse_uuid(v, f"{path}.site_id", line.site_id, required=False)
        if site_id is not None and site_id not in site_ids:
            v.add(f"{path}.site_id", "not one of the contract's sites")
        product_code = line.product_code.strip()
        if not PRODUCT_CODE.match(product_code):
            v.add(f"{path}.product_code", "letters, digits, dot, dash or underscore (1 to 40)")
        unit_code = (line.unit_code.strip() or "C62").upper()
        if not UNIT_CODE.match(unit_code):
            v.add(f"{path}.unit_code", "a UN/ECE Rec. 20 unit code, e.g. C62")
        lines.append(
            ContractLine(
                id=uuid.uuid4(),
                position=index + 1,
                product_code=product_code,
                label=text(v, f"{path}.label", line.label, required=True, max_length=300),
                quantity_milli=quantity_milli(v, f"{path}.quantity", line.quantity),
                unit_code=unit_code,
                vat_rate_bp=vat_rate_bp(v, f"{path}.vat_rate", line.vat_rate),
                site_id=site_id,
                prices=(
                    PricePoint(
                        start,
                        price_cents(v, f"{path}.unit_price", line.unit_price_cents, line.currency),
                        "initial",
                    ),
                ),
            )
        )
    if len(lines) > 100:
        v.add("lines", "at most 100 lines")
    rule = indexation(v, draft.indexation)
    plan_list = _plans(v, draft.plans, set(site_ids), "plans")
    values = {
        "billing_frequency": draft.frequency.value if draft.frequency else "",
        "billing_timing": draft.timing.value if draft.timing else "",
        "payment_days": draft.payment_days,
        "payment_end_of_month": draft.payment_end_of_month,
        "start_date": draft.start_date,
        "end_date": draft.end_date,
        "tacit_renewal": draft.tacit_renewal,
        "renewal_term_months": renewal_term_months,
        "notice_period_days": draft.notice_period_days,
        "indexation_method": rule.method.value,
        "indexation_percentage": rule.percentage,
        "index_name": rule.index_name,
        "base_index_value": rule.base_index_value,
        "reference_index_value": rule.reference_index_value,
        "sla_hours": draft.sla_hours,
        "notes": text(v, "notes", draft.notes, required=False, max_length=5000),
    }
    v.raise_if_any("invalid contract")
    assert customer_id is not None
    return ContractTerms(customer_id, tuple(site_ids), tuple(lines), tuple(plan_list), values)


def required_date(value: date | None, path: str) -> date:
    """A date the request must carry; 422 naming `path` when it does not."""
    if value is None:
        raise InvalidArgument(f"{path}: required", fields={path: "required"})
    return value


def reason(value: str, path: str = "reason") -> str:
    v = Violations()
    result = text(v, path, value, required=True, max_length=500)
    v.raise_if_any()
    return result
