"""ContractDirectory over gRPC: calls contrat with this service's own account."""

from __future__ import annotations

from datetime import date

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp_runtime.convert import address_from, date_message, to_date
from aquaerp_runtime.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unavailable,
)

from .contracts import ContractInfo, InstallationInfo, PlanOccurrence, SiteInfo
from .geo import GeoPoint

# Contracts per page of ListPlanOccurrences (contrat's maximum is 2000).
CONTRACTS_PER_PAGE = 500
# contrat answers at most 366 days per call.
MAX_DAYS_PER_CALL = 366


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def _occurrence(message: contrat_pb2.PlanOccurrence) -> PlanOccurrence:
    return PlanOccurrence(
        contract_id=message.contract_id,
        customer_id=message.customer_id,
        site_id=message.site_id,
        plan_id=message.plan_id,
        day=to_date(message.date, "date"),
        window_start=_minutes(message.time_window.start or "08:00"),
        window_end=_minutes(message.time_window.end or "18:00"),
        duration_minutes=message.duration_minutes,
        required_skill=message.required_skill,
        label=message.label,
        description=message.description,
        next_from_completion=message.next_from_completion,
    )


def _translate(error: grpc.aio.AioRpcError, what: str) -> DomainError:
    code = error.code()
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(f"{what} not found in contrat")
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument(f"contrat refused the request: {error.details()}")
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return FailedPrecondition(f"contrat: {error.details()}")
    return Unavailable("the contract service is unavailable; try again")


class ContratClient:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.contrat = contrat_pb2_grpc.ContratServiceStub(channel)

    async def contract(self, contract_id: str) -> ContractInfo:
        try:
            message = await self.contrat.GetContract(contrat_pb2.GetContractRequest(id=contract_id))
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "contract") from None
        return ContractInfo(
            contract_id=message.id,
            number=message.number,
            customer_id=message.customer_id,
            active=message.status == contrat_pb2.CONTRACT_STATUS_ACTIVE,
            site_ids=list(message.site_ids),
            sla_hours=message.sla_hours,
        )

    async def installation(self, installation_id: str) -> InstallationInfo:
        try:
            message = await self.contrat.GetInstallation(
                contrat_pb2.GetInstallationRequest(id=installation_id)
            )
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "installation") from None
        return InstallationInfo(
            message.id,
            message.site_id,
            message.type == contrat_pb2.INSTALLATION_TYPE_SPA,
            message.volume_m3,
            message.name,
        )

    async def installations(self, site_id: str) -> list[InstallationInfo]:
        try:
            response = await self.contrat.ListInstallations(
                contrat_pb2.ListInstallationsRequest(site_id=site_id)
            )
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "site") from None
        return [
            InstallationInfo(
                m.id, m.site_id, m.type == contrat_pb2.INSTALLATION_TYPE_SPA, m.volume_m3, m.name
            )
            for m in response.installations
            if m.type != contrat_pb2.INSTALLATION_TYPE_TREATMENT_UNIT
        ]

    async def site(self, site_id: str) -> SiteInfo:
        try:
            message = await self.contrat.GetSite(contrat_pb2.GetSiteRequest(id=site_id))
        except grpc.aio.AioRpcError as error:
            raise _translate(error, "site") from None
        location = (
            GeoPoint(message.geo.latitude, message.geo.longitude)
            if message.HasField("geo")
            else None
        )
        return SiteInfo(
            site_id=message.id,
            customer_id=message.customer_id,
            name=message.name,
            address=address_from(message.address),
            location=location,
            access_notes=message.access_notes,
            gate_code=message.gate_code,
        )

    async def occurrences(self, contract_id: str, first: date, last: date) -> list[PlanOccurrence]:
        found: list[PlanOccurrence] = []
        start = first
        while start <= last:
            end = min(last, date.fromordinal(start.toordinal() + MAX_DAYS_PER_CALL - 1))
            token = ""
            while True:
                try:
                    response = await self.contrat.ListPlanOccurrences(
                        contrat_pb2.ListPlanOccurrencesRequest(
                            contract_id=contract_id,
                            from_date=date_message(start),
                            to_date=date_message(end),
                            page=common_pb2.PageRequest(
                                page_size=CONTRACTS_PER_PAGE, page_token=token
                            ),
                        )
                    )
                except grpc.aio.AioRpcError as error:
                    raise _translate(error, "contract") from None
                found.extend(_occurrence(o) for o in response.occurrences)
                token = response.page.next_page_token
                if not token:
                    break
            start = date.fromordinal(end.toordinal() + 1)
        return found

    async def next_occurrence(self, plan_id: str, completed_on: date) -> PlanOccurrence | None:
        try:
            message = await self.contrat.GetNextPlanOccurrence(
                contrat_pb2.GetNextPlanOccurrenceRequest(
                    plan_id=plan_id, completed_on=date_message(completed_on)
                )
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None  # no further visit (contract ends first, plan removed)
            raise _translate(error, "plan") from None
        return _occurrence(message)
