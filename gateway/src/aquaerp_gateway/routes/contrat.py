"""/api/v1 customers, sites, installations and contracts: the contrat service over REST.

Office staff (admin, bureau) manage; compta reads; a client reads its own records (the service
answers 404 for anyone else's); technicians are refused.
"""

from __future__ import annotations

from datetime import date

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA
from fastapi import APIRouter, Depends, Query, Request, Response

from ..schemas import Page
from ..schemas.contrat import (
    CUSTOMER_TYPES,
    STATUSES,
    BillablePeriod,
    BillablePeriodList,
    Contract,
    ContractBody,
    ContractList,
    ContractStatus,
    Customer,
    CustomerBody,
    CustomerList,
    CustomerType,
    EffectiveDateBody,
    IndexationBody,
    Installation,
    InstallationBody,
    InstallationList,
    PlanOccurrence,
    PlanOccurrenceList,
    PlansBody,
    PriceChangeBody,
    ReasonedChangeBody,
    RenewalNotice,
    RenewalNoticeList,
    RenewBody,
    Site,
    SiteBody,
    SiteList,
    to_date,
)
from ..security import require

router = APIRouter(tags=["contrat"])
read = Depends(require(ADMIN, BUREAU, COMPTA, CLIENT))
office_read = Depends(require(ADMIN, BUREAU, COMPTA))
manage = Depends(require(ADMIN, BUREAU))
PAGE_SIZE = Query(default=50, ge=1, le=500)
PAGE_TOKEN = Query(default="", max_length=400)


def _contrat(request: Request) -> contrat_pb2_grpc.ContratServiceStub:
    return request.app.state.clients.stub("contrat", contrat_pb2_grpc.ContratServiceStub)  # type: ignore[no-any-return]


def _page(size: int, token: str) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


# -- customers -----------------------------------------------------------------------------
@router.get(
    "/customers", response_model=CustomerList, dependencies=[read], summary="Search customers"
)
async def list_customers(
    request: Request,
    q: str = Query(default="", max_length=200, description="name, code, email or city"),
    type: CustomerType | None = None,
    include_archived: bool = False,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> CustomerList:
    response = await _contrat(request).ListCustomers(
        pb.ListCustomersRequest(
            page=_page(page_size, page_token),
            query=q,
            type=CUSTOMER_TYPES[type] if type else pb.CUSTOMER_TYPE_UNSPECIFIED,
            include_archived=include_archived,
        )
    )
    return CustomerList(
        items=[Customer.from_proto(c) for c in response.customers],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post(
    "/customers",
    response_model=Customer,
    status_code=201,
    dependencies=[manage],
    summary="Create a customer",
)
async def create_customer(body: CustomerBody, request: Request) -> Customer:
    customer = await _contrat(request).CreateCustomer(
        pb.CreateCustomerRequest(customer=body.to_proto())
    )
    return Customer.from_proto(customer)


@router.get(
    "/customers/{customer_id}",
    response_model=Customer,
    dependencies=[read],
    summary="Get a customer",
)
async def get_customer(customer_id: str, request: Request) -> Customer:
    return Customer.from_proto(
        await _contrat(request).GetCustomer(pb.GetCustomerRequest(id=customer_id))
    )


@router.put(
    "/customers/{customer_id}",
    response_model=Customer,
    dependencies=[manage],
    summary="Update a customer",
)
async def update_customer(customer_id: str, body: CustomerBody, request: Request) -> Customer:
    customer = await _contrat(request).UpdateCustomer(
        pb.UpdateCustomerRequest(id=customer_id, customer=body.to_proto())
    )
    return Customer.from_proto(customer)


@router.post(
    "/customers/{customer_id}/archive",
    response_model=Customer,
    dependencies=[manage],
    summary="Archive",
)
async def archive_customer(customer_id: str, request: Request) -> Customer:
    return Customer.from_proto(
        await _contrat(request).ArchiveCustomer(pb.ArchiveCustomerRequest(id=customer_id))
    )


@router.post(
    "/customers/{customer_id}/restore",
    response_model=Customer,
    dependencies=[manage],
    summary="Restore",
)
async def restore_customer(customer_id: str, request: Request) -> Customer:
    return Customer.from_proto(
        await _contrat(request).RestoreCustomer(pb.RestoreCustomerRequest(id=customer_id))
    )


@router.delete(
    "/customers/{customer_id}",
    status_code=204,
    dependencies=[manage],
    summary="Delete an unreferenced customer (409: archive it instead)",
)
async def delete_customer(customer_id: str, request: Request) -> Response:
    await _contrat(request).DeleteCustomer(pb.DeleteCustomerRequest(id=customer_id))
    return Response(status_code=204)


# -- sites -----------------------------------------------------------------------------
@router.post(
    "/customers/{customer_id}/sites",
    response_model=Site,
    status_code=201,
    dependencies=[manage],
    summary="Add a site to a customer",
)
async def create_site(customer_id: str, body: SiteBody, request: Request) -> Site:
    site = await _contrat(request).CreateSite(
        pb.CreateSiteRequest(customer_id=customer_id, site=body.to_proto())
    )
    return Site.from_proto(site)


@router.get(
    "/sites", response_model=SiteList, dependencies=[read], summary="List sites (no gate codes)"
)
async def list_sites(
    request: Request,
    customer_id: str = Query(default="", max_length=64),
    q: str = Query(default="", max_length=200),
    include_archived: bool = False,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> SiteList:
    response = await _contrat(request).ListSites(
        pb.ListSitesRequest(
            page=_page(page_size, page_token),
            customer_id=customer_id,
            query=q,
            include_archived=include_archived,
        )
    )
    return SiteList(
        items=[Site.from_proto(s) for s in response.sites],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.get("/sites/{site_id}", response_model=Site, dependencies=[read], summary="Get a site")
async def get_site(site_id: str, request: Request) -> Site:
    return Site.from_proto(await _contrat(request).GetSite(pb.GetSiteRequest(id=site_id)))


@router.put("/sites/{site_id}", response_model=Site, dependencies=[manage], summary="Update a site")
async def update_site(site_id: str, body: SiteBody, request: Request) -> Site:
    return Site.from_proto(
        await _contrat(request).UpdateSite(pb.UpdateSiteRequest(id=site_id, site=body.to_proto()))
    )


@router.post(
    "/sites/{site_id}/archive", response_model=Site, dependencies=[manage], summary="Archive a site"
)
async def archive_site(site_id: str, request: Request) -> Site:
    return Site.from_proto(await _contrat(request).ArchiveSite(pb.ArchiveSiteRequest(id=site_id)))


# -- installations -----------------------------------------------------------------------------
@router.get(
    "/sites/{site_id}/installations",
    response_model=InstallationList,
    dependencies=[read],
    summary="Installations of a site",
)
async def list_installations(site_id: str, request: Request) -> InstallationList:
    response = await _contrat(request).ListInstallations(
        pb.ListInstallationsRequest(site_id=site_id)
    )
    return InstallationList(items=[Installation.from_proto(i) for i in response.installations])


@router.post(
    "/sites/{site_id}/installations",
    response_model=Installation,
    status_code=201,
    dependencies=[manage],
    summary="Add a pool, spa or treatment unit",
)
async def create_installation(
    site_id: str, body: InstallationBody, request: Request
) -> Installation:
    installation = await _contrat(request).CreateInstallation(
        pb.CreateInstallationRequest(site_id=site_id, installation=body.to_proto())
    )
    return Installation.from_proto(installation)


@router.get("/installations/{installation_id}", response_model=Installation, dependencies=[read])
async def get_installation(installation_id: str, request: Request) -> Installation:
    found = await _contrat(request).GetInstallation(pb.GetInstallationRequest(id=installation_id))
    return Installation.from_proto(found)


@router.put("/installations/{installation_id}", response_model=Installation, dependencies=[manage])
async def update_installation(
    installation_id: str, body: InstallationBody, request: Request
) -> Installation:
    updated = await _contrat(request).UpdateInstallation(
        pb.UpdateInstallationRequest(id=installation_id, installation=body.to_proto())
    )
    return Installation.from_proto(updated)


@router.delete("/installations/{installation_id}", status_code=204, dependencies=[manage])
async def delete_installation(installation_id: str, request: Request) -> Response:
    await _contrat(request).DeleteInstallation(pb.DeleteInstallationRequest(id=installation_id))
    return Response(status_code=204)


# -- contracts -----------------------------------------------------------------------------
@router.get(
    "/contracts", response_model=ContractList, dependencies=[read], summary="List contracts"
)
async def list_contracts(
    request: Request,
    customer_id: str = Query(default="", max_length=64),
    site_id: str = Query(default="", max_length=64),
    status: list[ContractStatus] = Query(default=[]),
    q: str = Query(default="", max_length=200, description="number or customer name"),
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> ContractList:
    response = await _contrat(request).ListContracts(
        pb.ListContractsRequest(
            page=_page(page_size, page_token),
            customer_id=customer_id,
            site_id=site_id,
            statuses=[STATUSES[s] for s in status],
            query=q,
        )
    )
    return ContractList(
        items=[Contract.from_proto(c) for c in response.contracts],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post(
    "/contracts",
    response_model=Contract,
    status_code=201,
    dependencies=[manage],
    summary="Create a draft",
)
async def create_contract(body: ContractBody, request: Request) -> Contract:
    return Contract.from_proto(
        await _contrat(request).CreateContract(pb.CreateContractRequest(contract=body.to_proto()))
    )


@router.get(
    "/contracts/{contract_id}",
    response_model=Contract,
    dependencies=[read],
    summary="Get a contract",
)
async def get_contract(contract_id: str, request: Request) -> Contract:
    return Contract.from_proto(
        await _contrat(request).GetContract(pb.GetContractRequest(id=contract_id))
    )


@router.put(
    "/contracts/{contract_id}",
    response_model=Contract,
    dependencies=[manage],
    summary="Edit a draft",
)
async def update_contract(contract_id: str, body: ContractBody, request: Request) -> Contract:
    updated = await _contrat(request).UpdateContract(
        pb.UpdateContractRequest(id=contract_id, contract=body.to_proto())
    )
    return Contract.from_proto(updated)


@router.delete(
    "/contracts/{contract_id}", status_code=204, dependencies=[manage], summary="Delete a draft"
)
async def delete_contract(contract_id: str, request: Request) -> Response:
    await _contrat(request).DeleteContract(pb.DeleteContractRequest(id=contract_id))
    return Response(status_code=204)


@router.post("/contracts/{contract_id}/activate", response_model=Contract, dependencies=[manage])
async def activate_contract(contract_id: str, request: Request) -> Contract:
    return Contract.from_proto(
        await _contrat(request).ActivateContract(pb.ActivateContractRequest(id=contract_id))
    )


@router.post("/contracts/{contract_id}/suspend", response_model=Contract, dependencies=[manage])
async def suspend_contract(
    contract_id: str, body: ReasonedChangeBody, request: Request
) -> Contract:
    suspended = await _contrat(request).SuspendContract(
        pb.SuspendContractRequest(
            id=contract_id, effective_date=to_date(body.effective_date), reason=body.reason
        )
    )
    return Contract.from_proto(suspended)


@router.post("/contracts/{contract_id}/resume", response_model=Contract, dependencies=[manage])
async def resume_contract(contract_id: str, body: EffectiveDateBody, request: Request) -> Contract:
    resumed = await _contrat(request).ResumeContract(
        pb.ResumeContractRequest(id=contract_id, effective_date=to_date(body.effective_date))
    )
    return Contract.from_proto(resumed)


@router.post("/contracts/{contract_id}/terminate", response_model=Contract, dependencies=[manage])
async def terminate_contract(
    contract_id: str, body: ReasonedChangeBody, request: Request
) -> Contract:
    terminated = await _contrat(request).TerminateContract(
        pb.TerminateContractRequest(
            id=contract_id, effective_date=to_date(body.effective_date), reason=body.reason
        )
    )
    return Contract.from_proto(terminated)


@router.post("/contracts/{contract_id}/renew", response_model=Contract, dependencies=[manage])
async def renew_contract(contract_id: str, body: RenewBody, request: Request) -> Contract:
    message = pb.RenewContractRequest(id=contract_id)
    if body.new_end_date is not None:
        message.new_end_date.CopyFrom(to_date(body.new_end_date))
    return Contract.from_proto(await _contrat(request).RenewContract(message))


@router.post("/contracts/{contract_id}/prices", response_model=Contract, dependencies=[manage])
async def change_prices(contract_id: str, body: PriceChangeBody, request: Request) -> Contract:
    changed = await _contrat(request).ChangePrices(
        pb.ChangePricesRequest(
            id=contract_id,
            effective_date=to_date(body.effective_date),
            prices=[
                pb.LinePrice(line_id=p.line_id, unit_price=p.unit_price.to_proto())
                for p in body.prices
            ],
            reason=body.reason,
        )
    )
    return Contract.from_proto(changed)


@router.post("/contracts/{contract_id}/indexations", response_model=Contract, dependencies=[manage])
async def apply_indexation(contract_id: str, body: IndexationBody, request: Request) -> Contract:
    indexed = await _contrat(request).ApplyIndexation(
        pb.ApplyIndexationRequest(
            id=contract_id, anniversary=to_date(body.anniversary), index_value=body.index_value
        )
    )
    return Contract.from_proto(indexed)


@router.put("/contracts/{contract_id}/plans", response_model=Contract, dependencies=[manage])
async def set_plans(contract_id: str, body: PlansBody, request: Request) -> Contract:
    updated = await _contrat(request).SetMaintenancePlans(
        pb.SetMaintenancePlansRequest(id=contract_id, plans=[p.to_proto() for p in body.plans])
    )
    return Contract.from_proto(updated)


@router.get(
    "/contracts/{contract_id}/billable-periods",
    response_model=BillablePeriodList,
    dependencies=[office_read],
    summary="What is billable up to a day",
)
async def billable_periods(
    contract_id: str, request: Request, up_to: date, from_date: date | None = None
) -> BillablePeriodList:
    message = pb.ListBillablePeriodsRequest(contract_id=contract_id, up_to=to_date(up_to))
    if from_date is not None:
        message.from_date.CopyFrom(to_date(from_date))
    response = await _contrat(request).ListBillablePeriods(message)
    return BillablePeriodList(
        items=[BillablePeriod.from_proto(p) for c in response.contracts for p in c.periods]
    )


@router.get(
    "/contracts/{contract_id}/plan-occurrences",
    response_model=PlanOccurrenceList,
    dependencies=[office_read],
    summary="Preventive visits the plans call for",
)
async def plan_occurrences(
    contract_id: str, request: Request, from_date: date, to_date_: date = Query(alias="to_date")
) -> PlanOccurrenceList:
    response = await _contrat(request).ListPlanOccurrences(
        pb.ListPlanOccurrencesRequest(
            contract_id=contract_id, from_date=to_date(from_date), to_date=to_date(to_date_)
        )
    )
    return PlanOccurrenceList(items=[PlanOccurrence.from_proto(o) for o in response.occurrences])


@router.get(
    "/renewal-notices",
    response_model=RenewalNoticeList,
    dependencies=[manage],
    summary="Consumer contracts in their L215-1 renewal-notice window",
)
async def renewal_notices(
    request: Request, on_date: date | None = None, include_sent: bool = False
) -> RenewalNoticeList:
    message = pb.ListRenewalNoticesRequest(include_sent=include_sent)
    if on_date is not None:
        message.on_date.CopyFrom(to_date(on_date))
    response = await _contrat(request).ListRenewalNotices(message)
    return RenewalNoticeList(items=[RenewalNotice.from_proto(n) for n in response.notices])
