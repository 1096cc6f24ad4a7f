"""Proto <-> domain for the contrat API: drafts from requests, messages from domain values.
The common types (dates, timestamps, money, addresses) go through the runtime's converters."""

from __future__ import annotations

from datetime import date

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.convert import (
    address_from,
    address_message,
    date_message,
    enum_map,
    money,
    optional_date,
    timestamp,
)

from . import validation
from .billing import BillableItem
from .domain import (
    Contract,
    ContractStatus,
    Customer,
    CustomerType,
    Equipment,
    Frequency,
    Indexation,
    IndexationMethod,
    Installation,
    InstallationType,
    MaintenancePlan,
    Site,
    Timing,
)
from .plan_settings import PlanSettings, RegionDraft, TemplateDraft
from .planning import PreviewMonth
from .service import ContractBillables, PlannedVisit, RenewalNotice
from .terms import renewal_deadline
from .validation import quantity_text, vat_rate_text

CUSTOMER_TYPES = enum_map(pb.CustomerType, CustomerType)
INSTALLATION_TYPES = enum_map(pb.InstallationType, InstallationType)
STATUSES = enum_map(pb.ContractStatus, ContractStatus)
FREQUENCIES = enum_map(pb.BillingFrequency, Frequency)
TIMINGS = enum_map(pb.BillingTiming, Timing)
INDEXATION_METHODS = enum_map(pb.IndexationMethod, IndexationMethod)


# -- drafts from requests -----------------------------------------------------------------------
def customer_draft(message: pb.CustomerInput) -> validation.CustomerDraft:
    return validation.CustomerDraft(
        type=CUSTOMER_TYPES.optional(message.type),
        name=message.name,
        legal_form=message.legal_form,
        siren=message.siren,
        siret=message.siret,
        vat_number=message.vat_number,
        billing_address=address_from(message.billing_address),
        billing_contact_name=message.billing_contact_name,
        billing_email=message.billing_email,
        phone=message.phone,
        notes=message.notes,
        code=message.code,
    )


def site_draft(message: pb.SiteInput) -> validation.SiteDraft:
    has_geo = message.HasField("geo")
    return validation.SiteDraft(
        name=message.name,
        address=address_from(message.address),
        latitude=message.geo.latitude if has_geo else None,
        longitude=message.geo.longitude if has_geo else None,
        access_notes=message.access_notes,
        gate_code=message.gate_code,
    )


def installation_draft(message: pb.InstallationInput) -> validation.InstallationDraft:
    return validation.InstallationDraft(
        type=INSTALLATION_TYPES.optional(message.type),
        name=message.name,
        volume_m3=message.volume_m3,
        equipment=[Equipment(e.kind, e.brand, e.model, e.serial_number) for e in message.equipment],
        notes=message.notes,
    )


def plan_draft(message: pb.MaintenancePlan) -> validation.PlanDraft:
    return validation.PlanDraft(
        id=message.id,
        site_id=message.site_id,
        label=message.label,
        description=message.description,
        rrule=message.rrule,
        seasons=[
            validation.SeasonDraft(s.name, s.start_month_day, s.end_month_day, s.rrule)
            for s in message.seasons
        ],
        window_start=message.time_window.start,
        window_end=message.time_window.end,
        duration_minutes=message.duration_minutes,
        required_skill=message.required_skill,
        next_from_completion=message.next_from_completion,
    )


def contract_draft(message: pb.ContractInput) -> validation.ContractDraft:
    return validation.ContractDraft(
        customer_id=message.customer_id,
        site_ids=list(message.site_ids),
        lines=[
            validation.LineDraft(
                product_code=line.product_code,
                label=line.label,
                quantity=line.quantity,
                unit_code=line.unit_code,
                unit_price_cents=line.unit_price.amount_cents
                if line.HasField("unit_price")
                else None,
                currency=line.unit_price.currency,
                vat_rate=line.vat_rate,
                site_id=line.site_id,
            )
            for line in message.lines
        ],
        frequency=FREQUENCIES.optional(message.billing_frequency),
        timing=TIMINGS.optional(message.billing_timing),
        payment_days=message.payment_terms.days,
        payment_end_of_month=message.payment_terms.end_of_month,
        start_date=optional_date(message, "start_date"),
        end_date=optional_date(message, "end_date"),
        tacit_renewal=message.tacit_renewal,
        renewal_term_months=message.renewal_term_months,
        notice_period_days=message.notice_period_days,
        indexation=validation.IndexationDraft(
            method=INDEXATION_METHODS.optional(message.indexation.method),
            percentage=message.indexation.percentage,
            index_name=message.indexation.index_name,
            base_index_value=message.indexation.base_index_value,
        ),
        sla_hours=message.sla_hours,
        notes=message.notes,
        plans=[plan_draft(p) for p in message.plans],
    )


# -- messages from domain values ----------------------------------------------------------------
def customer_message(customer: Customer) -> pb.Customer:
    return pb.Customer(
        id=str(customer.id),
        code=customer.code,
        type=CUSTOMER_TYPES.to_proto(customer.type),
        name=customer.name,
        legal_form=customer.legal_form,
        siren=customer.siren,
        siret=customer.siret,
        vat_number=customer.vat_number,
        billing_address=address_message(customer.billing_address),
        billing_contact_name=customer.billing_contact_name,
        billing_email=customer.billing_email,
        phone=customer.phone,
        notes=customer.notes,
        archived=customer.archived,
        create_time=timestamp(customer.created_at),
        update_time=timestamp(customer.updated_at),
    )


def site_message(site: Site, *, with_gate_code: bool) -> pb.Site:
    message = pb.Site(
        id=str(site.id),
        customer_id=str(site.customer_id),
        name=site.name,
        address=address_message(site.address),
        access_notes=site.access_notes,
        gate_code=site.gate_code if with_gate_code else "",
        has_gate_code=bool(site.gate_code),
        archived=site.archived,
        create_time=timestamp(site.created_at),
    )
    if site.latitude is not None and site.longitude is not None:
        message.geo.CopyFrom(common_pb2.GeoPoint(latitude=site.latitude, longitude=site.longitude))
    return message


def installation_message(installation: Installation) -> pb.Installation:
    return pb.Installation(
        id=str(installation.id),
        site_id=str(installation.site_id),
        type=INSTALLATION_TYPES.to_proto(installation.type),
        name=installation.name,
        volume_m3=installation.volume_m3,
        equipment=[
            pb.Equipment(kind=e.kind, brand=e.brand, model=e.model, serial_number=e.serial_number)
            for e in installation.equipment
        ],
        notes=installation.notes,
    )


def _decimal_text(value: object) -> str:
    return "" if value is None else format(value, "f")


def indexation_message(rule: Indexation) -> pb.Indexation:
    return pb.Indexation(
        method=INDEXATION_METHODS.to_proto(rule.method),
        percentage=_decimal_text(
            rule.percentage.normalize() if rule.percentage is not None else None
        ),
        index_name=rule.index_name,
        base_index_value=_decimal_text(rule.base_index_value),
        reference_index_value=_decimal_text(rule.reference_index_value),
    )


def plan_message(plan: MaintenancePlan) -> pb.MaintenancePlan:
    return pb.MaintenancePlan(
        id=str(plan.id),
        site_id=str(plan.site_id),
        label=plan.label,
        description=plan.description,
        rrule=plan.rrule,
        seasons=[
            pb.Season(
                name=s.name,
                start_month_day=f"{s.start[0]:02d}-{s.start[1]:02d}",
                end_month_day=f"{s.end[0]:02d}-{s.end[1]:02d}",
                rrule=s.rrule,
            )
            for s in plan.seasons
        ],
        time_window=pb.TimeWindow(
            start=plan.window_start.strftime("%H:%M"), end=plan.window_end.strftime("%H:%M")
        ),
        duration_minutes=plan.duration_minutes,
        required_skill=plan.required_skill,
        next_from_completion=plan.next_from_completion,
    )


def contract_message(contract: Contract, today: date) -> pb.Contract:
    suspension = contract.current_suspension
    return pb.Contract(
        id=str(contract.id),
        number=contract.number,
        status=STATUSES.to_proto(contract.status),
        customer_id=str(contract.customer_id),
        customer_name=contract.customer_name,
        customer_type=CUSTOMER_TYPES.to_proto(contract.customer_type),
        site_ids=[str(s) for s in contract.site_ids],
        lines=[
            pb.ContractLine(
                id=str(line.id),
                position=line.position,
                product_code=line.product_code,
                label=line.label,
                quantity=quantity_text(line.quantity_milli),
                unit_code=line.unit_code,
                unit_price=money(line.price_on(today)),
                vat_rate=vat_rate_text(line.vat_rate_bp),
                site_id=str(line.site_id) if line.site_id else "",
                price_history=[
                    pb.PricePoint(
                        effective_date=date_message(p.effective_date),
                        unit_price=money(p.unit_price_cents),
                        reason=p.reason,
                    )
                    for p in line.prices
                ],
            )
            for line in contract.lines
        ],
        billing_frequency=FREQUENCIES.to_proto(contract.frequency),
        billing_timing=TIMINGS.to_proto(contract.timing),
        payment_terms=pb.PaymentTerms(
            days=contract.payment_days, end_of_month=contract.payment_end_of_month
        ),
        start_date=date_message(contract.start_date),
        end_date=date_message(contract.end_date),
        tacit_renewal=contract.tacit_renewal,
        renewal_term_months=contract.renewal_term_months,
        notice_period_days=contract.notice_period_days,
        renewal_deadline=date_message(
            renewal_deadline(contract.end_date, contract.notice_period_days)
            if contract.end_date
            else None
        ),
        indexation=indexation_message(contract.indexation),
        indexation_history=[
            pb.IndexationRecord(
                effective_date=date_message(r.effective_date),
                method=INDEXATION_METHODS.to_proto(r.method),
                factor=_decimal_text(r.factor.normalize()),
                previous_index_value=_decimal_text(r.previous_index_value),
                index_value=_decimal_text(r.index_value),
                create_time=timestamp(r.created_at),
            )
            for r in contract.indexations
        ],
        sla_hours=contract.sla_hours,
        plans=[plan_message(p) for p in contract.plans],
        notes=contract.notes,
        activation_date=date_message(contract.activation_date),
        suspended_from=date_message(suspension.start if suspension else None),
        suspension_reason=suspension.reason if suspension else "",
        termination_date=date_message(contract.termination_date),
        termination_reason=contract.termination_reason,
        create_time=timestamp(contract.created_at),
        update_time=timestamp(contract.updated_at),
    )


def billable_message(item: BillableItem) -> pb.BillablePeriod:
    line = item.line
    return pb.BillablePeriod(
        key=item.key,
        line_id=str(line.id),
        product_code=line.product_code,
        label=line.label,
        period_start=date_message(item.period_start),
        period_end=date_message(item.period_end),
        start=date_message(item.start),
        end=date_message(item.end),
        days=item.days,
        period_days=item.period_days,
        quantity=quantity_text(line.quantity_milli),
        unit_code=line.unit_code,
        unit_price=money(item.unit_price_cents),
        vat_rate=vat_rate_text(line.vat_rate_bp),
        amount=money(item.amount_cents),
        prorated=item.prorated,
        due_date=date_message(item.due_date),
        site_id=str(line.site_id) if line.site_id else "",
    )


def contract_billables_message(found: ContractBillables) -> pb.ContractBillables:
    contract = found.contract
    return pb.ContractBillables(
        contract_id=str(contract.id),
        contract_number=contract.number,
        customer=customer_message(found.customer),
        payment_terms=pb.PaymentTerms(
            days=contract.payment_days, end_of_month=contract.payment_end_of_month
        ),
        billing_frequency=FREQUENCIES.to_proto(contract.frequency),
        billing_timing=TIMINGS.to_proto(contract.timing),
        status=STATUSES.to_proto(contract.status),
        periods=[billable_message(item) for item in found.items],
    )


def _md(value: tuple[int, int]) -> str:
    return f"{value[0]:02d}-{value[1]:02d}"


def plan_settings_message(settings: PlanSettings) -> pb.PlanSettings:
    return pb.PlanSettings(
        regions=[
            pb.SeasonRegion(
                code=r.code, name=r.name, start_month_day=_md(r.start), end_month_day=_md(r.end)
            )
            for r in settings.regions
        ],
        templates=[
            pb.VisitTemplate(
                code=t.code,
                label=t.label,
                checklist=list(t.checklist),
                duration_minutes=t.duration_minutes,
                window_start=_md(t.window_start),
                window_end=_md(t.window_end),
                required_skill=t.required_skill,
            )
            for t in settings.templates
        ],
    )


def plan_settings_drafts(
    message: pb.PlanSettings,
) -> tuple[list[RegionDraft], list[TemplateDraft]]:
    return (
        [RegionDraft(r.code, r.name, r.start_month_day, r.end_month_day) for r in message.regions],
        [
            TemplateDraft(
                t.code,
                t.label,
                list(t.checklist),
                t.duration_minutes,
                t.window_start,
                t.window_end,
                t.required_skill,
            )
            for t in message.templates
        ],
    )


def preview_message(months: list[PreviewMonth]) -> pb.PreviewPlanVisitsResponse:
    return pb.PreviewPlanVisitsResponse(
        months=[
            pb.PreviewMonth(
                year=month.first_day.year,
                month=month.first_day.month,
                count=len(month.visits),
                visits=[
                    pb.PreviewVisit(
                        date=date_message(v.day),
                        plan_index=v.plan_index,
                        plan_label=v.plan.label,
                        season=v.season,
                    )
                    for v in month.visits
                ],
            )
            for month in months
        ],
        total=sum(len(month.visits) for month in months),
    )


def occurrence_message(visit: PlannedVisit) -> pb.PlanOccurrence:
    contract, plan, occurrence = visit.contract, visit.plan, visit.occurrence
    window_start, window_end = occurrence.window(plan)
    return pb.PlanOccurrence(
        key=f"{plan.id}/{occurrence.day.isoformat()}",
        contract_id=str(contract.id),
        contract_number=contract.number,
        customer_id=str(contract.customer_id),
        site_id=str(plan.site_id),
        plan_id=str(plan.id),
        date=date_message(occurrence.day),
        window_start_time=timestamp(window_start),
        window_end_time=timestamp(window_end),
        time_window=pb.TimeWindow(
            start=plan.window_start.strftime("%H:%M"), end=plan.window_end.strftime("%H:%M")
        ),
        duration_minutes=plan.duration_minutes,
        required_skill=plan.required_skill,
        label=plan.label,
        description=plan.description,
        season=occurrence.season,
        next_from_completion=plan.next_from_completion,
        sla_hours=contract.sla_hours,
    )


def notice_message(notice: RenewalNotice) -> pb.RenewalNotice:
    return pb.RenewalNotice(
        contract_id=str(notice.contract.id),
        contract_number=notice.contract.number,
        customer_id=str(notice.customer.id),
        customer_name=notice.customer.name,
        billing_email=notice.customer.billing_email,
        billing_address=address_message(notice.customer.billing_address),
        term_end_date=date_message(notice.term_end),
        renewal_deadline=date_message(notice.deadline),
        window_start=date_message(notice.window_start),
        window_end=date_message(notice.window_end),
        sent_time=timestamp(notice.sent_at),
        renewal_term_months=notice.contract.renewal_term_months,
    )
