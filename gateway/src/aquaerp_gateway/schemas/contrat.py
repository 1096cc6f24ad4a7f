"""Bodies of /api/v1 customers, sites, installations and contracts (mirror the contrat API).

Money is integer cents (`{"amount_cents": 8900, "currency": "EUR"}`), dates are ISO dates, VAT
rates are decimal strings ("20", "5.5"). Business rules are checked by the contrat service,
whose field errors come back as 422 problems naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from pydantic import BaseModel, Field

from . import Page, RequestBody
from .common import Address, Money, to_date

CustomerType = Literal["private", "business"]
InstallationType = Literal["pool", "spa", "treatment_unit"]
ContractStatus = Literal["draft", "active", "suspended", "terminated"]
BillingFrequency = Literal["monthly", "quarterly", "half_yearly", "yearly"]
BillingTiming = Literal["in_advance", "in_arrears"]
IndexationMethod = Literal["none", "percentage", "index"]


CUSTOMER_TYPES = {"private": pb.CUSTOMER_TYPE_PRIVATE, "business": pb.CUSTOMER_TYPE_BUSINESS}
INSTALLATION_TYPES = {
    "pool": pb.INSTALLATION_TYPE_POOL,
    "spa": pb.INSTALLATION_TYPE_SPA,
    "treatment_unit": pb.INSTALLATION_TYPE_TREATMENT_UNIT,
}
STATUSES = {
    "draft": pb.CONTRACT_STATUS_DRAFT,
    "active": pb.CONTRACT_STATUS_ACTIVE,
    "suspended": pb.CONTRACT_STATUS_SUSPENDED,
    "terminated": pb.CONTRACT_STATUS_TERMINATED,
}
FREQUENCIES = {
    "monthly": pb.BILLING_FREQUENCY_MONTHLY,
    "quarterly": pb.BILLING_FREQUENCY_QUARTERLY,
    "half_yearly": pb.BILLING_FREQUENCY_HALF_YEARLY,
    "yearly": pb.BILLING_FREQUENCY_YEARLY,
}
TIMINGS = {"in_advance": pb.BILLING_TIMING_IN_ADVANCE, "in_arrears": pb.BILLING_TIMING_IN_ARREARS}
INDEXATION_METHODS = {
    "none": pb.INDEXATION_METHOD_NONE,
    "percentage": pb.INDEXATION_METHOD_PERCENTAGE,
    "index": pb.INDEXATION_METHOD_INDEX,
}


def _name(mapping: dict[str, Any], value: int) -> Any:
    return next((name for name, number in mapping.items() if number == value), None)


def from_date(owner: Any, field: str) -> date | None:
    if not owner.HasField(field):
        return None
    value = getattr(owner, field)
    return date(value.year, value.month, value.day)


def _time(owner: Any, field: str) -> datetime | None:
    return getattr(owner, field).ToDatetime().astimezone() if owner.HasField(field) else None


# -- shared parts -----------------------------------------------------------------------------
class GeoPoint(RequestBody):
    latitude: float
    longitude: float


# -- customers -----------------------------------------------------------------------------
class CustomerBody(RequestBody):
    type: CustomerType
    name: str = Field(max_length=200)
    legal_form: str = Field(default="", max_length=60)
    siren: str = Field(default="", max_length=20)
    siret: str = Field(default="", max_length=30)
    vat_number: str = Field(default="", max_length=30)
    billing_address: Address = Field(default_factory=Address)
    billing_contact_name: str = Field(default="", max_length=200)
    billing_email: str = Field(default="", max_length=320)
    phone: str = Field(default="", max_length=40)
    notes: str = Field(default="", max_length=5000)
    code: str = Field(default="", max_length=32)

    def to_proto(self) -> pb.CustomerInput:
        return pb.CustomerInput(
            **self.model_dump(exclude={"type", "billing_address"}),
            type=CUSTOMER_TYPES[self.type],  # type: ignore[arg-type]
            billing_address=self.billing_address.to_proto(),
        )


class Customer(BaseModel):
    id: str
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
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_proto(cls, c: pb.Customer) -> Customer:
        return cls(
            id=c.id,
            code=c.code,
            type=_name(CUSTOMER_TYPES, c.type),
            name=c.name,
            legal_form=c.legal_form,
            siren=c.siren,
            siret=c.siret,
            vat_number=c.vat_number,
            billing_address=Address.from_proto(c.billing_address),
            billing_contact_name=c.billing_contact_name,
            billing_email=c.billing_email,
            phone=c.phone,
            notes=c.notes,
            archived=c.archived,
            created_at=_time(c, "create_time"),
            updated_at=_time(c, "update_time"),
        )


class CustomerList(BaseModel):
    items: list[Customer]
    page: Page


# -- sites and installations ----------------------------------------------------------------------
class SiteBody(RequestBody):
    name: str = Field(max_length=200)
    address: Address
    geo: GeoPoint | None = None
    access_notes: str = Field(default="", max_length=2000)
    gate_code: str = Field(default="", max_length=100)

    def to_proto(self) -> pb.SiteInput:
        message = pb.SiteInput(
            name=self.name,
            address=self.address.to_proto(),
            access_notes=self.access_notes,
            gate_code=self.gate_code,
        )
        if self.geo is not None:
            message.geo.CopyFrom(
                common_pb2.GeoPoint(latitude=self.geo.latitude, longitude=self.geo.longitude)
            )
        return message


class Site(BaseModel):
    id: str
    customer_id: str
    name: str
    address: Address
    geo: GeoPoint | None
    access_notes: str
    gate_code: str | None = Field(description="Only in GET /sites/{id} for roles allowed to see it")
    has_gate_code: bool
    archived: bool

    @classmethod
    def from_proto(cls, s: pb.Site) -> Site:
        return cls(
            id=s.id,
            customer_id=s.customer_id,
            name=s.name,
            address=Address.from_proto(s.address),
            geo=GeoPoint(latitude=s.geo.latitude, longitude=s.geo.longitude)
            if s.HasField("geo")
            else None,
            access_notes=s.access_notes,
            gate_code=s.gate_code or None,
            has_gate_code=s.has_gate_code,
            archived=s.archived,
        )


class SiteList(BaseModel):
    items: list[Site]
    page: Page


class Equipment(RequestBody):
    kind: str = Field(max_length=100)
    brand: str = Field(default="", max_length=100)
    model: str = Field(default="", max_length=100)
    serial_number: str = Field(default="", max_length=100)


class InstallationBody(RequestBody):
    type: InstallationType
    name: str = Field(max_length=200)
    volume_m3: float
    equipment: list[Equipment] = Field(default_factory=list, max_length=50)
    notes: str = Field(default="", max_length=5000)

    def to_proto(self) -> pb.InstallationInput:
        return pb.InstallationInput(
            type=INSTALLATION_TYPES[self.type],  # type: ignore[arg-type]
            name=self.name,
            volume_m3=self.volume_m3,
            equipment=[pb.Equipment(**e.model_dump()) for e in self.equipment],
            notes=self.notes,
        )


class Installation(BaseModel):
    id: str
    site_id: str
    type: InstallationType
    name: str
    volume_m3: float
    equipment: list[Equipment]
    notes: str

    @classmethod
    def from_proto(cls, i: pb.Installation) -> Installation:
        return cls(
            id=i.id,
            site_id=i.site_id,
            type=_name(INSTALLATION_TYPES, i.type),
            name=i.name,
            volume_m3=i.volume_m3,
            equipment=[
                Equipment(kind=e.kind, brand=e.brand, model=e.model, serial_number=e.serial_number)
                for e in i.equipment
            ],
            notes=i.notes,
        )


class InstallationList(BaseModel):
    items: list[Installation]


# -- contracts -----------------------------------------------------------------------------
class PaymentTerms(RequestBody):
    days: int = 30
    end_of_month: bool = False


class LineBody(RequestBody):
    product_code: str = Field(max_length=40)
    label: str = Field(max_length=300)
    quantity: str = Field(default="1", max_length=20)
    unit_code: str = Field(default="", max_length=3)
    unit_price: Money
    vat_rate: str = Field(max_length=10, description='"20", "10", "5.5", "2.1" or "0"')
    site_id: str = Field(default="", max_length=64)

    def to_proto(self) -> pb.ContractLineInput:
        return pb.ContractLineInput(
            **self.model_dump(exclude={"unit_price"}), unit_price=self.unit_price.to_proto()
        )


class Season(RequestBody):
    name: str = Field(max_length=60)
    start_month_day: str = Field(max_length=5, description="MM-DD")
    end_month_day: str = Field(max_length=5, description="MM-DD")
    rrule: str = Field(default="", max_length=300)


class TimeWindow(RequestBody):
    start: str = Field(max_length=5, description="HH:MM, Europe/Paris")
    end: str = Field(max_length=5, description="HH:MM, Europe/Paris")


class Plan(RequestBody):
    id: str = Field(default="", max_length=64)
    site_id: str = Field(max_length=64)
    label: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    rrule: str = Field(max_length=300, description="RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYMONTHDAY=5")
    seasons: list[Season] = Field(default_factory=list, max_length=12)
    time_window: TimeWindow = Field(default_factory=lambda: TimeWindow(start="08:00", end="18:00"))
    duration_minutes: int = 60
    required_skill: str = Field(default="", max_length=60)
    next_from_completion: bool = False

    def to_proto(self) -> pb.MaintenancePlan:
        return pb.MaintenancePlan(
            **self.model_dump(exclude={"seasons", "time_window"}),
            seasons=[pb.Season(**s.model_dump()) for s in self.seasons],
            time_window=pb.TimeWindow(**self.time_window.model_dump()),
        )

    @classmethod
    def from_proto(cls, p: pb.MaintenancePlan) -> Plan:
        return cls(
            id=p.id,
            site_id=p.site_id,
            label=p.label,
            description=p.description,
            rrule=p.rrule,
            seasons=[
                Season(
                    name=s.name,
                    start_month_day=s.start_month_day,
                    end_month_day=s.end_month_day,
                    rrule=s.rrule,
                )
                for s in p.seasons
            ],
            time_window=TimeWindow(start=p.time_window.start, end=p.time_window.end),
            duration_minutes=p.duration_minutes,
            required_skill=p.required_skill,
            next_from_completion=p.next_from_completion,
        )


class Indexation(RequestBody):
    method: IndexationMethod = "none"
    percentage: str = Field(default="", max_length=20)
    index_name: str = Field(default="", max_length=60)
    base_index_value: str = Field(default="", max_length=20)
    reference_index_value: str = Field(default="", max_length=20, description="read only")

    def to_proto(self) -> pb.Indexation:
        return pb.Indexation(
            method=INDEXATION_METHODS[self.method],  # type: ignore[arg-type]
            percentage=self.percentage,
            index_name=self.index_name,
            base_index_value=self.base_index_value,
        )


class ContractBody(RequestBody):
    customer_id: str = Field(max_length=64)
    site_ids: list[str] = Field(default_factory=list, max_length=50)
    lines: list[LineBody] = Field(default_factory=list, max_length=100)
    billing_frequency: BillingFrequency
    billing_timing: BillingTiming
    payment_terms: PaymentTerms = Field(default_factory=PaymentTerms)
    start_date: date
    end_date: date | None = None
    tacit_renewal: bool = False
    renewal_term_months: int = 12
    notice_period_days: int = 0
    indexation: Indexation = Field(default_factory=Indexation)
    sla_hours: int = 0
    plans: list[Plan] = Field(default_factory=list, max_length=50)
    notes: str = Field(default="", max_length=5000)

    def to_proto(self) -> pb.ContractInput:
        message = pb.ContractInput(
            customer_id=self.customer_id,
            site_ids=self.site_ids,
            lines=[line.to_proto() for line in self.lines],
            billing_frequency=FREQUENCIES[self.billing_frequency],  # type: ignore[arg-type]
            billing_timing=TIMINGS[self.billing_timing],  # type: ignore[arg-type]
            payment_terms=pb.PaymentTerms(**self.payment_terms.model_dump()),
            start_date=to_date(self.start_date),
            tacit_renewal=self.tacit_renewal,
            renewal_term_months=self.renewal_term_months,
            notice_period_days=self.notice_period_days,
            indexation=self.indexation.to_proto(),
            sla_hours=self.sla_hours,
            plans=[plan.to_proto() for plan in self.plans],
            notes=self.notes,
        )
        if self.end_date is not None:
            message.end_date.CopyFrom(to_date(self.end_date))
        return message


class PricePoint(BaseModel):
    effective_date: date | None
    unit_price: Money
    reason: str


class ContractLine(BaseModel):
    id: str
    position: int
    product_code: str
    label: str
    quantity: str
    unit_code: str
    unit_price: Money
    vat_rate: str
    site_id: str
    price_history: list[PricePoint]


class IndexationRecord(BaseModel):
    effective_date: date | None
    method: IndexationMethod
    factor: str
    previous_index_value: str
    index_value: str


class Contract(BaseModel):
    id: str
    number: str
    status: ContractStatus
    customer_id: str
    customer_name: str
    customer_type: CustomerType
    site_ids: list[str]
    lines: list[ContractLine]
    billing_frequency: BillingFrequency
    billing_timing: BillingTiming
    payment_terms: PaymentTerms
    start_date: date | None
    end_date: date | None
    tacit_renewal: bool
    renewal_term_months: int
    notice_period_days: int
    renewal_deadline: date | None
    indexation: Indexation
    indexation_history: list[IndexationRecord]
    sla_hours: int
    plans: list[Plan]
    notes: str
    activation_date: date | None
    suspended_from: date | None
    suspension_reason: str
    termination_date: date | None
    termination_reason: str

    @classmethod
    def from_proto(cls, c: pb.Contract) -> Contract:
        return cls(
            id=c.id,
            number=c.number,
            status=_name(STATUSES, c.status),
            customer_id=c.customer_id,
            customer_name=c.customer_name,
            customer_type=_name(CUSTOMER_TYPES, c.customer_type),
            site_ids=list(c.site_ids),
            lines=[
                ContractLine(
                    id=line.id,
                    position=line.position,
                    product_code=line.product_code,
                    label=line.label,
                    quantity=line.quantity,
                    unit_code=line.unit_code,
                    unit_price=Money.from_proto(line.unit_price),
                    vat_rate=line.vat_rate,
                    site_id=line.site_id,
                    price_history=[
                        PricePoint(
                            effective_date=from_date(p, "effective_date"),
                            unit_price=Money.from_proto(p.unit_price),
                            reason=p.reason,
                        )
                        for p in line.price_history
                    ],
                )
                for line in c.lines
            ],
            billing_frequency=_name(FREQUENCIES, c.billing_frequency),
            billing_timing=_name(TIMINGS, c.billing_timing),
            payment_terms=PaymentTerms(
                days=c.payment_terms.days, end_of_month=c.payment_terms.end_of_month
            ),
            start_date=from_date(c, "start_date"),
            end_date=from_date(c, "end_date"),
            tacit_renewal=c.tacit_renewal,
            renewal_term_months=c.renewal_term_months,
            notice_period_days=c.notice_period_days,
            renewal_deadline=from_date(c, "renewal_deadline"),
            indexation=Indexation(
                method=_name(INDEXATION_METHODS, c.indexation.method) or "none",
                percentage=c.indexation.percentage,
                index_name=c.indexation.index_name,
                base_index_value=c.indexation.base_index_value,
                reference_index_value=c.indexation.reference_index_value,
            ),
            indexation_history=[
                IndexationRecord(
                    effective_date=from_date(r, "effective_date"),
                    method=_name(INDEXATION_METHODS, r.method),
                    factor=r.factor,
                    previous_index_value=r.previous_index_value,
                    index_value=r.index_value,
                )
                for r in c.indexation_history
            ],
            sla_hours=c.sla_hours,
            plans=[Plan.from_proto(p) for p in c.plans],
            notes=c.notes,
            activation_date=from_date(c, "activation_date"),
            suspended_from=from_date(c, "suspended_from"),
            suspension_reason=c.suspension_reason,
            termination_date=from_date(c, "termination_date"),
            termination_reason=c.termination_reason,
        )


class ContractList(BaseModel):
    items: list[Contract]
    page: Page


class EffectiveDateBody(RequestBody):
    effective_date: date


class ReasonedChangeBody(RequestBody):
    effective_date: date
    reason: str = Field(max_length=500)


class RenewBody(RequestBody):
    new_end_date: date | None = None


class LinePrice(RequestBody):
    line_id: str = Field(max_length=64)
    unit_price: Money


class PriceChangeBody(RequestBody):
    effective_date: date
    prices: list[LinePrice] = Field(max_length=100)
    reason: str = Field(default="", max_length=500)


class IndexationBody(RequestBody):
    anniversary: date
    index_value: str = Field(default="", max_length=20)


class PlansBody(RequestBody):
    plans: list[Plan] = Field(max_length=50)


# -- queries -----------------------------------------------------------------------------
class BillablePeriod(BaseModel):
    key: str
    line_id: str
    product_code: str
    label: str
    period_start: date | None
    period_end: date | None
    start: date | None
    end: date | None
    days: int
    period_days: int
    quantity: str
    unit_price: Money
    vat_rate: str
    amount: Money
    prorated: bool
    due_date: date | None

    @classmethod
    def from_proto(cls, p: pb.BillablePeriod) -> BillablePeriod:
        return cls(
            key=p.key,
            line_id=p.line_id,
            product_code=p.product_code,
            label=p.label,
            period_start=from_date(p, "period_start"),
            period_end=from_date(p, "period_end"),
            start=from_date(p, "start"),
            end=from_date(p, "end"),
            days=p.days,
            period_days=p.period_days,
            quantity=p.quantity,
            unit_price=Money.from_proto(p.unit_price),
            vat_rate=p.vat_rate,
            amount=Money.from_proto(p.amount),
            prorated=p.prorated,
            due_date=from_date(p, "due_date"),
        )


class BillablePeriodList(BaseModel):
    items: list[BillablePeriod]


class PlanOccurrence(BaseModel):
    key: str
    plan_id: str
    site_id: str
    date: date | None
    window_start: datetime | None
    window_end: datetime | None
    duration_minutes: int
    required_skill: str
    label: str
    season: str

    @classmethod
    def from_proto(cls, o: pb.PlanOccurrence) -> PlanOccurrence:
        return cls(
            key=o.key,
            plan_id=o.plan_id,
            site_id=o.site_id,
            date=from_date(o, "date"),
            window_start=_time(o, "window_start_time"),
            window_end=_time(o, "window_end_time"),
            duration_minutes=o.duration_minutes,
            required_skill=o.required_skill,
            label=o.label,
            season=o.season,
        )


class PlanOccurrenceList(BaseModel):
    items: list[PlanOccurrence]


class RenewalNotice(BaseModel):
    contract_id: str
    contract_number: str
    customer_id: str
    customer_name: str
    billing_email: str
    term_end_date: date | None
    renewal_deadline: date | None
    window_start: date | None
    window_end: date | None
    sent_at: datetime | None

    @classmethod
    def from_proto(cls, n: pb.RenewalNotice) -> RenewalNotice:
        return cls(
            contract_id=n.contract_id,
            contract_number=n.contract_number,
            customer_id=n.customer_id,
            customer_name=n.customer_name,
            billing_email=n.billing_email,
            term_end_date=from_date(n, "term_end_date"),
            renewal_deadline=from_date(n, "renewal_deadline"),
            window_start=from_date(n, "window_start"),
            window_end=from_date(n, "window_end"),
            sent_at=_time(n, "sent_time"),
        )


class RenewalNoticeList(BaseModel):
    items: list[RenewalNotice]
