"""/api/v1/search: the office's global search, one box over customers, sites, contracts and
invoices. It fans out to the List RPCs' own text filters (name, code, number, address,
e-mail), so each service keeps its search and its access rules, and answers the first hits of
each kind with the number of matches."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2, facture_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from ..security import require

router = APIRouter(tags=["search"])
HITS_PER_KIND = 5


class Hit(BaseModel):
    id: str
    title: str
    detail: str


class HitGroup(BaseModel):
    total: int
    items: list[Hit]


class SearchResult(BaseModel):
    customers: HitGroup
    sites: HitGroup
    contracts: HitGroup
    invoices: HitGroup


def _group(total: int, hits: list[Hit]) -> HitGroup:
    return HitGroup(total=max(total, len(hits)), items=hits)


def _city(address: common_pb2.Address) -> str:
    return " ".join(part for part in (address.postal_code, address.city) if part)


@router.get(
    "/search",
    dependencies=[Depends(require(ADMIN, BUREAU, COMPTA))],
    summary="Search customers, sites, contracts and invoices at once",
)
async def search(
    request: Request, q: Annotated[str, Query(min_length=2, max_length=200)]
) -> SearchResult:
    clients = request.app.state.clients
    contrat: Any = clients.stub("contrat", contrat_pb2_grpc.ContratServiceStub)
    facture: Any = clients.stub("facture", facture_pb2_grpc.FactureServiceStub)
    page = common_pb2.PageRequest(page_size=HITS_PER_KIND)
    customers, sites, contracts, invoices = await asyncio.gather(
        contrat.ListCustomers(contrat_pb2.ListCustomersRequest(page=page, query=q)),
        contrat.ListSites(contrat_pb2.ListSitesRequest(page=page, query=q)),
        contrat.ListContracts(contrat_pb2.ListContractsRequest(page=page, query=q)),
        facture.ListInvoices(facture_pb2.ListInvoicesRequest(page=page, query=q)),
    )
    return SearchResult(
        customers=_group(
            customers.page.total_size,
            [
                Hit(
                    id=c.id,
                    title=c.name,
                    detail=" · ".join(
                        p for p in (c.code, c.billing_email, _city(c.billing_address)) if p
                    ),
                )
                for c in customers.customers
            ],
        ),
        sites=_group(
            sites.page.total_size,
            [
                Hit(id=s.id, title=s.name, detail=" ".join([*s.address.lines, _city(s.address)]))
                for s in sites.sites
            ],
        ),
        contracts=_group(
            contracts.page.total_size,
            [
                Hit(id=c.id, title=c.number or "brouillon", detail=c.customer_name)
                for c in contracts.contracts
            ],
        ),
        invoices=_group(
            invoices.page.total_size,
            [
                Hit(id=i.id, title=i.number or "brouillon", detail=i.buyer.name)
                for i in invoices.invoices
            ],
        ),
    )
