"""gRPC edge of the contrat service: proto <-> domain, nothing else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument
from google.protobuf.timestamp_pb2 import Timestamp

from . import validation
from .billing import BillableItem
from .domain import (
    Address,
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
from .service import ContractBillables, ContratService, PlannedVisit, RenewalNotice
from .terms import renewal_deadline
from .validation import quantity_text, vat_rate_text

CUSTOMER_TYPES: dict[Any, CustomerType] = {
    pb.CUSTOMER_TYPE_PRIVATE: CustomerType.PRIVATE,
    pb.CUSTOMER_TYPE_BUSINESS: CustomerType.BUSINESS,
}
INSTALLATION_TYPES: dict[Any, InstallationType] = {
    pb.INSTALLATION_TYPE_POOL: InstallationType.POOL,
    pb.INSTALLATION_TYPE_SPA: InstallationType.SPA,
    pb.INSTALLATION_TYPE_TREATMENT_UNIT: InstallationType.TREATMENT_UNIT,
}
STATUSES: dict[Any, ContractStatus] = {
    pb.CONTRACT_STATUS_DRAFT: ContractStatus.DRAFT,
    pb.CONTRACT_STATUS_ACTIVE: ContractStatus.ACTIVE,
    pb.CONTRACT_STATUS_SUSPENDED: ContractStatus.SUSPENDED,
    pb.CONTRACT_STATUS_TERMINATED: ContractStatus.TERMINATED,
}
FREQUENCIES: dict[Any, Frequency] = {
    pb.BILLING_FREQUENCY_MONTHLY: Frequency.MONTHLY,
    pb.BILLING_FREQUENCY_QUARTERLY: Frequency.QUARTERLY,
    pb.BILLING_FREQUENCY_HALF_YEARLY: Frequency.HALF_YEARLY,
    pb.BILLING_FREQUENCY_YEARLY: Frequency.YEARLY,
}
TIMINGS: dict[Any, Timing] = {
    pb.BILLING_TIMING_IN_ADVANCE: Timing.IN_ADVANCE,
    pb.BILLING_TIMING_IN_ARREARS: Timing.IN_ARREARS,
}
INDEXATION_METHODS: dict[Any, IndexationMethod] = {
    pb.INDEXATION_METHOD_NONE: IndexationMethod.NONE,
    pb.INDEXATION_METHOD_PERCENTAGE: IndexationMethod.PERCENTAGE,
    pb.INDEXATION_METHOD_INDEX: IndexationMethod.INDEX,
}


def _inverse(mapping: dict[Any, Any]) -> dict[Any, Any]:
    return {v: k for k, v in mapping.items()}


CUSTOMER_TYPE_VALUES = _inverse(CUSTOMER_TYPES)
INSTALLATION_TYPE_VALUES = _inverse(INSTALLATION_TYPES)
STATUS_VALUES = _inverse(STATUSES)
FREQUENCY_VALUES = _inverse(FREQUENCIES)
TIMING_VALUES = _inverse(TIMINGS)
INDEXATION_METHOD_VALUES = _inverse(INDEXATION_METHODS)
EUR = "EUR"


# -- scalar conversions ------------------------------------------------------------------------
def to_date(message: common_pb2.Date, path: str) -> date:
    try:
        return date(message.year, message.month, message.day)
    except ValueError:
        raise InvalidArgument(
            f"{path}: not a valid date", fields={path: "not a valid date"}
        ) from None


def optional_date(owner: object, field: str, path: str | None = None) -> date | None:
    if not owner.HasField(field):  # type: ignore[attr-defined]
        return None
    return to_date(getattr(owner, field), path or field)


def date_message(value: date | None) -> common_pb2.Date | None:
    if value is None:
        return None
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def money(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency=EUR)


def address_from(message: common_pb2.Address) -> Address:
    return Address(tuple(message.lines), message.postal_code, message.city, message.country)


def address_message(value: Address) -> common_pb2.Address:
    return common_pb2.Address(
        lines=list(value.lines),
        postal_code=value.postal_code,
        city=value.city,
        country=value.country,
    )


# -- drafts from requests -----------------------------------------------------------------------
def customer_draft(message: pb.CustomerInput) -> validation.CustomerDraft:
    return validation.CustomerDraft(
        type=CUSTOMER_TYPES.get(message.type),
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
        type=INSTALLATION_TYPES.get(message.type),
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
        frequency=FREQUENCIES.get(message.billing_frequency),
        timing=TIMINGS.get(message.billing_timing),
        payment_days=message.payment_terms.days,
        payment_end_of_month=message.payment_terms.end_of_month,
        start_date=optional_date(message, "start_date"),
        end_date=optional_date(message, "end_date"),
        tacit_renewal=message.tacit_renewal,
        renewal_term_months=message.renewal_term_months,
        notice_period_days=message.notice_period_days,
        indexation=validation.IndexationDraft(
            method=INDEXATION_METHODS.get(message.indexation.method),
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
        type=CUSTOMER_TYPE_VALUES[customer.type],
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
        type=INSTALLATION_TYPE_VALUES[installation.type],
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
        method=INDEXATION_METHOD_VALUES[rule.method],
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
        status=STATUS_VALUES[contract.status],
        customer_id=str(contract.customer_id),
        customer_name=contract.customer_name,
        customer_type=CUSTOMER_TYPE_VALUES[contract.customer_type],
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
        billing_frequency=FREQUENCY_VALUES[contract.frequency],
        billing_timing=TIMING_VALUES[contract.timing],
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
                method=INDEXATION_METHOD_VALUES[r.method],
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
        billing_frequency=FREQUENCY_VALUES[contract.frequency],
        billing_timing=TIMING_VALUES[contract.timing],
        status=STATUS_VALUES[contract.status],
        periods=[billable_message(item) for item in found.items],
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


def _page(token: str) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_page_token=token, total_size=-1)


class ContratServicer(contrat_pb2_grpc.ContratServiceServicer):
    def __init__(self, service: ContratService) -> None:
        self.service = service

    def _contract(self, contract: Contract) -> pb.Contract:
        return contract_message(contract, self.service.today())

    # -- customers ---------------------------------------------------------------------------
    async def CreateCustomer(self, request, context):  # type: ignore[no-untyped-def]
        return customer_message(
            await self.service.create_customer(customer_draft(request.customer))
        )

    async def GetCustomer(self, request, context):  # type: ignore[no-untyped-def]
        return customer_message(await self.service.get_customer(request.id))

    async def ListCustomers(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_customers(
            request.query,
            CUSTOMER_TYPES.get(request.type),
            request.include_archived,
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListCustomersResponse(
            customers=[customer_message(c) for c in page.items], page=_page(page.next_page_token)
        )

    async def UpdateCustomer(self, request, context):  # type: ignore[no-untyped-def]
        return customer_message(
            await self.service.update_customer(request.id, customer_draft(request.customer))
        )

    async def ArchiveCustomer(self, request, context):  # type: ignore[no-untyped-def]
        return customer_message(await self.service.set_customer_archived(request.id, True))

    async def RestoreCustomer(self, request, context):  # type: ignore[no-untyped-def]
        return customer_message(await self.service.set_customer_archived(request.id, False))

    async def DeleteCustomer(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.delete_customer(request.id)
        return pb.DeleteCustomerResponse()

    # -- sites and installations -----------------------------------------------------------------
    async def CreateSite(self, request, context):  # type: ignore[no-untyped-def]
        site = await self.service.create_site(request.customer_id, site_draft(request.site))
        return site_message(site, with_gate_code=True)

    async def GetSite(self, request, context):  # type: ignore[no-untyped-def]
        site, with_gate_code = await self.service.get_site(request.id)
        return site_message(site, with_gate_code=with_gate_code)

    async def ListSites(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_sites(
            request.customer_id,
            request.query,
            request.include_archived,
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListSitesResponse(
            sites=[site_message(s, with_gate_code=False) for s in page.items],
            page=_page(page.next_page_token),
        )

    async def UpdateSite(self, request, context):  # type: ignore[no-untyped-def]
        site = await self.service.update_site(request.id, site_draft(request.site))
        return site_message(site, with_gate_code=True)

    async def ArchiveSite(self, request, context):  # type: ignore[no-untyped-def]
        return site_message(await self.service.archive_site(request.id), with_gate_code=False)

    async def CreateInstallation(self, request, context):  # type: ignore[no-untyped-def]
        installation = await self.service.create_installation(
            request.site_id, installation_draft(request.installation)
        )
        return installation_message(installation)

    async def GetInstallation(self, request, context):  # type: ignore[no-untyped-def]
        return installation_message(await self.service.get_installation(request.id))

    async def ListInstallations(self, request, context):  # type: ignore[no-untyped-def]
        found = await self.service.list_installations(request.site_id)
        return pb.ListInstallationsResponse(installations=[installation_message(i) for i in found])

    async def UpdateInstallation(self, request, context):  # type: ignore[no-untyped-def]
        installation = await self.service.update_installation(
            request.id, installation_draft(request.installation)
        )
        return installation_message(installation)

    async def DeleteInstallation(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.delete_installation(request.id)
        return pb.DeleteInstallationResponse()

    # -- contracts ---------------------------------------------------------------------------
    async def CreateContract(self, request, context):  # type: ignore[no-untyped-def]
        return self._contract(await self.service.create_contract(contract_draft(request.contract)))

    async def GetContract(self, request, context):  # type: ignore[no-untyped-def]
        return self._contract(await self.service.get_contract(request.id))

    async def ListContracts(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_contracts(
            request.customer_id,
            request.site_id,
            [STATUSES[s] for s in request.statuses if s in STATUSES],
            request.query,
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListContractsResponse(
            contracts=[self._contract(c) for c in page.items], page=_page(page.next_page_token)
        )

    async def UpdateContract(self, request, context):  # type: ignore[no-untyped-def]
        return self._contract(
            await self.service.update_contract(request.id, contract_draft(request.contract))
        )

    async def DeleteContract(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.delete_contract(request.id)
        return pb.DeleteContractResponse()

    async def ActivateContract(self, request, context):  # type: ignore[no-untyped-def]
        return self._contract(await self.service.activate_contract(request.id))

    async def SuspendContract(self, request, context):  # type: ignore[no-untyped-def]
        contract = await self.service.suspend_contract(
            request.id, optional_date(request, "effective_date"), request.reason
        )
        return self._contract(contract)

    async def ResumeContract(self, request, context):  # type: ignore[no-untyped-def]
        return self._contract(
            await self.service.resume_contract(request.id, optional_date(request, "effective_date"))
        )

    async def TerminateContract(self, request, context):  # type: ignore[no-untyped-def]
        contract = await self.service.terminate_contract(
            request.id, optional_date(request, "effective_date"), request.reason
        )
        return self._contract(contract)

    async def RenewContract(self, request, context):  # type: ignore[no-untyped-def]
        return self._contract(
            await self.service.renew_contract(request.id, optional_date(request, "new_end_date"))
        )

    async def ProcessTermEnds(self, request, context):  # type: ignore[no-untyped-def]
        on_date = optional_date(request, "on_date")
        renewed, terminated = await self.service.process_term_ends(on_date)
        notices_due = await self.service.emit_due_renewal_notices(on_date)
        return pb.ProcessTermEndsResponse(
            renewed_contract_ids=[str(i) for i in renewed],
            terminated_contract_ids=[str(i) for i in terminated],
            renewal_notice_contract_ids=[str(i) for i in notices_due],
        )

    async def ChangePrices(self, request, context):  # type: ignore[no-untyped-def]
        prices = [
            (
                p.line_id,
                p.unit_price.amount_cents if p.HasField("unit_price") else None,
                p.unit_price.currency,
            )
            for p in request.prices
        ]
        contract = await self.service.change_prices(
            request.id, optional_date(request, "effective_date"), prices, request.reason
        )
        return self._contract(contract)

    async def ApplyIndexation(self, request, context):  # type: ignore[no-untyped-def]
        contract = await self.service.apply_indexation(
            request.id, optional_date(request, "anniversary"), request.index_value
        )
        return self._contract(contract)

    async def ApplyDueIndexations(self, request, context):  # type: ignore[no-untyped-def]
        indexed, skipped = await self.service.apply_due_indexations(
            optional_date(request, "on_date"), {v.index_name: v.value for v in request.index_values}
        )
        return pb.ApplyDueIndexationsResponse(
            indexed_contract_ids=[str(i) for i in indexed],
            skipped_contract_ids=[str(i) for i in skipped],
        )

    async def SetMaintenancePlans(self, request, context):  # type: ignore[no-untyped-def]
        contract = await self.service.set_plans(request.id, [plan_draft(p) for p in request.plans])
        return self._contract(contract)

    # -- queries ------------------------------------------------------------------------------
    async def ListBillablePeriods(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.billable_periods(
            request.contract_id,
            optional_date(request, "up_to"),
            optional_date(request, "from_date"),
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListBillablePeriodsResponse(
            contracts=[contract_billables_message(c) for c in page.items],
            page=_page(page.next_page_token),
        )

    async def ListPlanOccurrences(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.plan_occurrences(
            request.contract_id,
            request.site_id,
            optional_date(request, "from_date"),
            optional_date(request, "to_date"),
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListPlanOccurrencesResponse(
            occurrences=[occurrence_message(v) for v in page.items],
            page=_page(page.next_page_token),
        )

    async def GetNextPlanOccurrence(self, request, context):  # type: ignore[no-untyped-def]
        visit = await self.service.next_plan_occurrence(
            request.plan_id, optional_date(request, "completed_on")
        )
        return occurrence_message(visit)

    async def ListRenewalNotices(self, request, context):  # type: ignore[no-untyped-def]
        notices = await self.service.renewal_notices(
            optional_date(request, "on_date"), request.include_sent
        )
        return pb.ListRenewalNoticesResponse(notices=[notice_message(n) for n in notices])

    async def MarkRenewalNoticeSent(self, request, context):  # type: ignore[no-untyped-def]
        sent = await self.service.mark_renewal_notice_sent(
            request.contract_id, optional_date(request, "term_end_date")
        )
        return pb.MarkRenewalNoticeSentResponse(sent_time=timestamp(sent))
