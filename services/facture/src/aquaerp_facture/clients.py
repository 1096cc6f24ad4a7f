"""The contrat and intervention services over gRPC, as the plain records the domain uses.

Their errors become domain errors here: an unknown customer is the caller's mistake
(INVALID_ARGUMENT on the field), an unreachable service is UNAVAILABLE (retry later).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp_runtime.clock import BUSINESS_TZ
from aquaerp_runtime.convert import address_from, date_message, to_date, to_datetime
from aquaerp_runtime.errors import DomainError, InvalidArgument, NotFound, Unavailable

from .drafts import printed_address
from .records import (
    BillableItem,
    ContractBillables,
    CustomerRecord,
    InterventionPart,
    InterventionRecord,
)


def customer_record(customer: contrat_pb2.Customer) -> CustomerRecord:
    return CustomerRecord(
        id=customer.id,
        code=customer.code,
        name=customer.name,
        is_business=customer.type == contrat_pb2.CUSTOMER_TYPE_BUSINESS,
        siren=customer.siren,
        vat_number=customer.vat_number,
        address=printed_address(address_from(customer.billing_address)),
        email=customer.billing_email,
        contact_name=customer.billing_contact_name,
    )


def _item(period: contrat_pb2.BillablePeriod) -> BillableItem:
    return BillableItem(
        key=period.key,
        line_id=period.line_id,
        label=period.label,
        period_start=to_date(period.period_start, "period_start"),
        period_end=to_date(period.period_end, "period_end"),
        start=to_date(period.start, "start"),
        end=to_date(period.end, "end"),
        days=period.days,
        period_days=period.period_days,
        quantity=Decimal(period.quantity or "1"),
        unit_code=period.unit_code or "C62",
        unit_price_cents=period.unit_price.amount_cents,
        vat_rate=Decimal(period.vat_rate or "0"),
        amount_cents=period.amount.amount_cents,
        prorated=period.prorated,
        site_id=period.site_id,
    )


def _translate(error: grpc.aio.AioRpcError, what: str, field: str) -> DomainError:
    code = error.code()
    if code == grpc.StatusCode.NOT_FOUND:
        return InvalidArgument(f"unknown {what}", fields={field: f"unknown {what}"})
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument(f"invalid {what} id", fields={field: f"invalid {what} id"})
    return Unavailable(f"the {what} could not be read: {error.details() or code.name}")


class GrpcContratDirectory:
    """ContratDirectory over a channel carrying facture's service account."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._contrat = contrat_pb2_grpc.ContratServiceStub(channel)

    async def customer(self, customer_id: str) -> CustomerRecord:
        try:
            customer = await self._contrat.GetCustomer(
                contrat_pb2.GetCustomerRequest(id=customer_id)
            )
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "customer", "customer_id") from None
        return customer_record(customer)

    async def contract_number(self, contract_id: str, customer_id: str = "") -> str:
        try:
            contract = await self._contrat.GetContract(
                contrat_pb2.GetContractRequest(id=contract_id)
            )
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "contract", "contract_id") from None
        if customer_id and contract.customer_id != customer_id:
            raise InvalidArgument(
                "the contract is not a contract of this customer",
                fields={"contract_id": "not a contract of this customer"},
            )
        return str(contract.number)

    async def billables(
        self,
        *,
        up_to: date,
        from_date: date | None,
        contract_id: str,
        page_size: int,
        page_token: str,
    ) -> tuple[list[ContractBillables], str]:
        request = contrat_pb2.ListBillablePeriodsRequest(
            contract_id=contract_id,
            up_to=date_message(up_to),
            from_date=date_message(from_date),
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
        try:
            response = await self._contrat.ListBillablePeriods(request)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("contract not found", fields={"contract_id": "not found"}) from None
            raise Unavailable(
                f"billable periods could not be read: {error.details() or error.code().name}"
            ) from None
        contracts = [
            ContractBillables(
                contract_id=contract.contract_id,
                contract_number=contract.contract_number,
                customer=customer_record(contract.customer),
                payment_days=contract.payment_terms.days,
                end_of_month=contract.payment_terms.end_of_month,
                items=tuple(_item(period) for period in contract.periods),
            )
            for contract in response.contracts
        ]
        return contracts, response.page.next_page_token


class GrpcInterventionDirectory:
    """InterventionDirectory over a channel carrying facture's service account."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._intervention = intervention_pb2_grpc.InterventionServiceStub(channel)

    async def intervention(self, intervention_id: str) -> InterventionRecord:
        try:
            found = await self._intervention.GetIntervention(
                intervention_pb2.GetInterventionRequest(id=intervention_id)
            )
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "intervention", "intervention_id") from None
        report = found.report
        completed_on = None
        if found.HasField("completed_at"):
            completed_on = to_datetime(found.completed_at).astimezone(BUSINESS_TZ).date()
        parts = []
        for part in report.parts:
            if not part.billable:
                continue
            try:
                quantity = Decimal(part.quantity or "1")
            except InvalidOperation:
                raise InvalidArgument(
                    f"part {part.description!r} has an invalid quantity",
                    fields={"items": f"invalid quantity {part.quantity!r}"},
                ) from None
            parts.append(
                InterventionPart(
                    part.description, quantity, part.unit, part.unit_price.amount_cents
                )
            )
        address = (
            printed_address(address_from(found.site.address)) if found.site.address.lines else None
        )
        return InterventionRecord(
            id=found.id,
            customer_id=found.customer_id,
            contract_id=found.contract_id,
            completed=found.status == intervention_pb2.INTERVENTION_STATUS_COMPLETED,
            completed_on=completed_on,
            billable=found.billable,
            label=" : ".join(
                part for part in (found.label, found.problem_description[:200]) if part
            ),
            labour_minutes=report.time_spent_minutes if found.billable else 0,
            site_address=address,
            parts=tuple(parts),
        )
