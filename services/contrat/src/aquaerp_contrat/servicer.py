"""gRPC edge of the contrat service: requests to the domain and back, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp_runtime.convert import optional_date, timestamp
from aquaerp_runtime.csv_export import CSV_MEDIA_TYPE
from aquaerp_runtime.paging import page_response
from google.api import httpbody_pb2

from .domain import Contract
from .import_servicer import ImportEdge
from .messages import (
    CUSTOMER_TYPES,
    STATUSES,
    contract_billables_message,
    contract_draft,
    contract_message,
    customer_draft,
    customer_message,
    installation_draft,
    installation_message,
    notice_message,
    occurrence_message,
    plan_draft,
    plan_settings_drafts,
    plan_settings_message,
    preview_message,
    site_draft,
    site_message,
)
from .service import ContratService


class ContratServicer(ImportEdge, contrat_pb2_grpc.ContratServiceServicer):
    def __init__(self, service: ContratService) -> None:
        self.clock = service.clock
        self.parties = service.parties
        self.contracts = service.contracts
        self.pricing = service.pricing
        self.schedules = service.schedules
        self.imports = service.imports

    def _contract(self, contract: Contract) -> pb.Contract:
        return contract_message(contract, self.clock.today())

    # -- customers ---------------------------------------------------------------------------
    async def CreateCustomer(
        self, request: pb.CreateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        return customer_message(
            await self.parties.create_customer(customer_draft(request.customer))
        )

    async def GetCustomer(
        self, request: pb.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        return customer_message(await self.parties.get_customer(request.id))

    async def ListCustomers(
        self, request: pb.ListCustomersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCustomersResponse:
        page = await self.parties.list_customers(
            request.query,
            CUSTOMER_TYPES.optional(request.type),
            request.include_archived,
            request.page.page_size,
            request.page.page_token,
            request.order_by,
        )
        return pb.ListCustomersResponse(
            customers=[customer_message(c) for c in page.items],
            page=page_response(page.next_page_token, page.total_size),
        )

    async def ExportCustomerList(
        self, request: pb.ListCustomersRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        content = await self.parties.export_customer_list(
            request.query,
            CUSTOMER_TYPES.optional(request.type),
            request.include_archived,
            request.order_by,
        )
        return httpbody_pb2.HttpBody(content_type=CSV_MEDIA_TYPE, data=content)

    async def UpdateCustomer(
        self, request: pb.UpdateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        return customer_message(
            await self.parties.update_customer(request.id, customer_draft(request.customer))
        )

    async def ArchiveCustomer(
        self, request: pb.ArchiveCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        return customer_message(await self.parties.set_customer_archived(request.id, True))

    async def RestoreCustomer(
        self, request: pb.RestoreCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        return customer_message(await self.parties.set_customer_archived(request.id, False))

    async def DeleteCustomer(
        self, request: pb.DeleteCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteCustomerResponse:
        await self.parties.delete_customer(request.id)
        return pb.DeleteCustomerResponse()

    # -- sites and installations -----------------------------------------------------------------
    async def CreateSite(
        self, request: pb.CreateSiteRequest, context: grpc.aio.ServicerContext
    ) -> pb.Site:
        site = await self.parties.create_site(request.customer_id, site_draft(request.site))
        return site_message(site, with_gate_code=True)

    async def GetSite(
        self, request: pb.GetSiteRequest, context: grpc.aio.ServicerContext
    ) -> pb.Site:
        site, with_gate_code = await self.parties.get_site(request.id)
        return site_message(site, with_gate_code=with_gate_code)

    async def ListSites(
        self, request: pb.ListSitesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSitesResponse:
        page = await self.parties.list_sites(
            request.customer_id,
            request.query,
            request.include_archived,
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListSitesResponse(
            sites=[site_message(s, with_gate_code=False) for s in page.items],
            page=page_response(page.next_page_token, page.total_size),
        )

    async def UpdateSite(
        self, request: pb.UpdateSiteRequest, context: grpc.aio.ServicerContext
    ) -> pb.Site:
        site = await self.parties.update_site(request.id, site_draft(request.site))
        return site_message(site, with_gate_code=True)

    async def ArchiveSite(
        self, request: pb.ArchiveSiteRequest, context: grpc.aio.ServicerContext
    ) -> pb.Site:
        return site_message(await self.parties.archive_site(request.id), with_gate_code=False)

    async def CreateInstallation(
        self, request: pb.CreateInstallationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Installation:
        installation = await self.parties.create_installation(
            request.site_id, installation_draft(request.installation)
        )
        return installation_message(installation)

    async def GetInstallation(
        self, request: pb.GetInstallationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Installation:
        return installation_message(await self.parties.get_installation(request.id))

    async def ListInstallations(
        self, request: pb.ListInstallationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListInstallationsResponse:
        found = await self.parties.list_installations(request.site_id)
        return pb.ListInstallationsResponse(installations=[installation_message(i) for i in found])

    async def UpdateInstallation(
        self, request: pb.UpdateInstallationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Installation:
        installation = await self.parties.update_installation(
            request.id, installation_draft(request.installation)
        )
        return installation_message(installation)

    async def DeleteInstallation(
        self, request: pb.DeleteInstallationRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteInstallationResponse:
        await self.parties.delete_installation(request.id)
        return pb.DeleteInstallationResponse()

    # -- contracts ---------------------------------------------------------------------------
    async def CreateContract(
        self, request: pb.CreateContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        return self._contract(
            await self.contracts.create_contract(contract_draft(request.contract))
        )

    async def GetContract(
        self, request: pb.GetContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        return self._contract(await self.contracts.get_contract(request.id))

    async def ListContracts(
        self, request: pb.ListContractsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListContractsResponse:
        page = await self.contracts.list_contracts(
            request.customer_id,
            request.site_id,
            [status for s in request.statuses if (status := STATUSES.optional(s)) is not None],
            request.query,
            request.page.page_size,
            request.page.page_token,
            request.order_by,
        )
        return pb.ListContractsResponse(
            contracts=[self._contract(c) for c in page.items],
            page=page_response(page.next_page_token, page.total_size),
        )

    async def UpdateContract(
        self, request: pb.UpdateContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        return self._contract(
            await self.contracts.update_contract(request.id, contract_draft(request.contract))
        )

    async def DeleteContract(
        self, request: pb.DeleteContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteContractResponse:
        await self.contracts.delete_contract(request.id)
        return pb.DeleteContractResponse()

    async def ActivateContract(
        self, request: pb.ActivateContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        return self._contract(await self.contracts.activate_contract(request.id))

    async def SuspendContract(
        self, request: pb.SuspendContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        contract = await self.contracts.suspend_contract(
            request.id, optional_date(request, "effective_date"), request.reason
        )
        return self._contract(contract)

    async def ResumeContract(
        self, request: pb.ResumeContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        return self._contract(
            await self.contracts.resume_contract(
                request.id, optional_date(request, "effective_date")
            )
        )

    async def TerminateContract(
        self, request: pb.TerminateContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        contract = await self.contracts.terminate_contract(
            request.id, optional_date(request, "effective_date"), request.reason
        )
        return self._contract(contract)

    async def RenewContract(
        self, request: pb.RenewContractRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        return self._contract(
            await self.contracts.renew_contract(request.id, optional_date(request, "new_end_date"))
        )

    async def ProcessTermEnds(
        self, request: pb.ProcessTermEndsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProcessTermEndsResponse:
        # One day for both steps, even when the job runs across midnight.
        day = optional_date(request, "on_date") or self.clock.today()
        renewed, terminated = await self.contracts.process_term_ends(day)
        notices_due = await self.schedules.emit_due_renewal_notices(day)
        return pb.ProcessTermEndsResponse(
            renewed_contract_ids=[str(i) for i in renewed],
            terminated_contract_ids=[str(i) for i in terminated],
            renewal_notice_contract_ids=[str(i) for i in notices_due],
        )

    async def ChangePrices(
        self, request: pb.ChangePricesRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        prices = [
            (
                p.line_id,
                p.unit_price.amount_cents if p.HasField("unit_price") else None,
                p.unit_price.currency,
            )
            for p in request.prices
        ]
        contract = await self.pricing.change_prices(
            request.id, optional_date(request, "effective_date"), prices, request.reason
        )
        return self._contract(contract)

    async def ApplyIndexation(
        self, request: pb.ApplyIndexationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        contract = await self.pricing.apply_indexation(
            request.id, optional_date(request, "anniversary"), request.index_value
        )
        return self._contract(contract)

    async def ApplyDueIndexations(
        self, request: pb.ApplyDueIndexationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ApplyDueIndexationsResponse:
        indexed, skipped = await self.pricing.apply_due_indexations(
            optional_date(request, "on_date"), {v.index_name: v.value for v in request.index_values}
        )
        return pb.ApplyDueIndexationsResponse(
            indexed_contract_ids=[str(i) for i in indexed],
            skipped_contract_ids=[str(i) for i in skipped],
        )

    async def SetMaintenancePlans(
        self, request: pb.SetMaintenancePlansRequest, context: grpc.aio.ServicerContext
    ) -> pb.Contract:
        contract = await self.schedules.set_plans(
            request.id, [plan_draft(p) for p in request.plans]
        )
        return self._contract(contract)

    # -- queries ------------------------------------------------------------------------------
    async def ListBillablePeriods(
        self, request: pb.ListBillablePeriodsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBillablePeriodsResponse:
        page = await self.schedules.billable_periods(
            request.contract_id,
            optional_date(request, "up_to"),
            optional_date(request, "from_date"),
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListBillablePeriodsResponse(
            contracts=[contract_billables_message(c) for c in page.items],
            page=page_response(page.next_page_token),
        )

    async def GetPlanSettings(
        self, request: pb.GetPlanSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PlanSettings:
        return plan_settings_message(await self.schedules.plan_settings())

    async def UpdatePlanSettings(
        self, request: pb.PlanSettings, context: grpc.aio.ServicerContext
    ) -> pb.PlanSettings:
        regions, templates = plan_settings_drafts(request)
        return plan_settings_message(await self.schedules.update_plan_settings(regions, templates))

    async def PreviewPlanVisits(
        self, request: pb.PreviewPlanVisitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PreviewPlanVisitsResponse:
        months = await self.schedules.preview_plans(
            [plan_draft(p) for p in request.plans],
            optional_date(request, "start_date"),
            optional_date(request, "end_date"),
            optional_date(request, "from_date"),
        )
        return preview_message(months)

    async def ListPlanOccurrences(
        self, request: pb.ListPlanOccurrencesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPlanOccurrencesResponse:
        page = await self.schedules.plan_occurrences(
            request.contract_id,
            request.site_id,
            optional_date(request, "from_date"),
            optional_date(request, "to_date"),
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListPlanOccurrencesResponse(
            occurrences=[occurrence_message(v) for v in page.items],
            page=page_response(page.next_page_token),
        )

    async def GetNextPlanOccurrence(
        self, request: pb.GetNextPlanOccurrenceRequest, context: grpc.aio.ServicerContext
    ) -> pb.PlanOccurrence:
        visit = await self.schedules.next_plan_occurrence(
            request.plan_id, optional_date(request, "completed_on")
        )
        return occurrence_message(visit)

    async def ListRenewalNotices(
        self, request: pb.ListRenewalNoticesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRenewalNoticesResponse:
        notices = await self.schedules.renewal_notices(
            optional_date(request, "on_date"), request.include_sent
        )
        return pb.ListRenewalNoticesResponse(notices=[notice_message(n) for n in notices])

    async def MarkRenewalNoticeSent(
        self, request: pb.MarkRenewalNoticeSentRequest, context: grpc.aio.ServicerContext
    ) -> pb.MarkRenewalNoticeSentResponse:
        sent = await self.schedules.mark_renewal_notice_sent(
            request.contract_id, optional_date(request, "term_end_date")
        )
        return pb.MarkRenewalNoticeSentResponse(sent_time=timestamp(sent))
