"""The contrat domain as plain values: kinds, states, and the records the service works on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

# Customers and sites hold the platform's one postal address type.
from aquaerp_runtime.convert import Address as Address


class CustomerType(StrEnum):
    PRIVATE = "private"
    BUSINESS = "business"


class InstallationType(StrEnum):
    POOL = "pool"
    SPA = "spa"
    TREATMENT_UNIT = "treatment_unit"


class ContractStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return _MONTHS[self]


_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}


class Timing(StrEnum):
    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


class IndexationMethod(StrEnum):
    NONE = "none"
    PERCENTAGE = "percentage"
    INDEX = "index"


# Contracts that are (or were) in force, i.e. numbered.
NUMBERED_STATUSES = (ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.TERMINATED)
LIVE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.SUSPENDED)


@dataclass(frozen=True)
class Customer:
    id: uuid.UUID
    code: str
    type: CustomerType
    name: str
    legal_form: str
    siren: str
    siret: str
    vat_number: str
    billing_address: Address
    billing_contact_name: str
    billing_email: str
    phone: str
    notes: str
    archived: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Site:
    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    address: Address
    latitude: float | None
    longitude: float | None
    access_notes: str
    gate_code: str
    archived: bool
    created_at: datetime


@dataclass(frozen=True)
class Equipment:
    kind: str
    brand: str
    model: str
    serial_number: str


@dataclass(frozen=True)
class Installation:
    id: uuid.UUID
    site_id: uuid.UUID
    type: InstallationType
    name: str
    volume_m3: float
    equipment: tuple[Equipment, ...]
    notes: str


@dataclass(frozen=True)
class PricePoint:
    effective_date: date
    unit_price_cents: int
    reason: str


@dataclass(frozen=True)
class ContractLine:
    id: uuid.UUID
    position: int
    product_code: str
    label: str
    # Thousandths of a unit: 2.5 is 2500.
    quantity_milli: int
    unit_code: str
    # Basis points: 20 % is 2000.
    vat_rate_bp: int
    site_id: uuid.UUID | None
    prices: tuple[PricePoint, ...]

    def price_on(self, day: date) -> int:
        """Unit price in force on `day` (the first price before the history starts)."""
        current = self.prices[0].unit_price_cents
        for point in self.prices:
            if point.effective_date > day:
                break
            current = point.unit_price_cents
        return current


@dataclass(frozen=True)
class Season:
    name: str
    start: tuple[int, int]
    end: tuple[int, int]
    rrule: str

    def contains(self, day: date) -> bool:
        month_day = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= month_day <= self.end
        return month_day >= self.start or month_day <= self.end


@dataclass(frozen=True)
class MaintenancePlan:
    id: uuid.UUID
    site_id: uuid.UUID
    label: str
    description: str
    rrule: str
    seasons: tuple[Season, ...]
    window_start: time
    window_end: time
    duration_minutes: int
    required_skill: str
    next_from_completion: bool


@dataclass(frozen=True)
class Suspension:
    start: date
    # Last suspended day; None while still suspended.
    end: date | None
    reason: str


@dataclass(frozen=True)
class IndexationRecord:
    effective_date: date
    method: IndexationMethod
    factor: Decimal
    previous_index_value: Decimal | None
    index_value: Decimal | None
    created_at: datetime


@dataclass(frozen=True)
class Indexation:
    method: IndexationMethod = IndexationMethod.NONE
    percentage: Decimal | None = None
    index_name: str = ""
    base_index_value: Decimal | None = None
    reference_index_value: Decimal | None = None


@dataclass(frozen=True)
class Contract:
    id: uuid.UUID
    number: str
    status: ContractStatus
    customer_id: uuid.UUID
    customer_name: str
    customer_type: CustomerType
    site_ids: tuple[uuid.UUID, ...]
    lines: tuple[ContractLine, ...]
    frequency: Frequency
    timing: Timing
    payment_days: int
    payment_end_of_month: bool
    start_date: date
    end_date: date | None
    tacit_renewal: bool
    renewal_term_months: int
    notice_period_days: int
    indexation: Indexation
    sla_hours: int
    notes: str
    activation_date: date | None
    termination_date: date | None
    termination_reason: str
    renewal_notice_sent_for: date | None
    renewal_notice_sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    plans: tuple[MaintenancePlan, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    indexations: tuple[IndexationRecord, ...] = field(default=())

    @property
    def current_suspension(self) -> Suspension | None:
        if self.status != ContractStatus.SUSPENDED:
            return None
        return next((s for s in self.suspensions if s.end is None), None)

    @property
    def last_covered_day(self) -> date | None:
        """Last day in force: the termination date; the end of a fixed term; else open.

        A tacit-renewal contract goes on past its end date until it is terminated, so a late
        run of the daily renewal job cannot stop its billing or its visits.
        """
        if self.termination_date is not None:
            return self.termination_date
        if self.end_date is not None and not self.tacit_renewal:
            return self.end_date
        return None
