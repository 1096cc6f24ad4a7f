"""/api/v1/contracts/{id}/billable-periods: the one contrat route that is not a plain RPC call
(it flattens the periods of the contract out of the per-contract groups). Every other contrat
route comes from the `google.api.http` rules of contrat.proto."""

from __future__ import annotations

from typing import Any

from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA
from aquaerp_runtime.convert import date_message
from fastapi import APIRouter, Depends, Request

from .. import codec
from ..codec import DateInput
from ..security import require

router = APIRouter(tags=["contrat"])

BillablePeriodList = codec.list_model("BillablePeriodList", pb.BillablePeriod.DESCRIPTOR)


@router.get(
    "/contracts/{contract_id}/billable-periods",
    dependencies=[Depends(require(ADMIN, BUREAU, COMPTA))],
    response_model=BillablePeriodList,
    summary="What is billable up to a day",
)
async def billable_periods(
    contract_id: str, request: Request, up_to: DateInput, from_date: DateInput | None = None
) -> dict[str, Any]:
    stub: contrat_pb2_grpc.ContratServiceStub = request.app.state.clients.stub(
        "contrat", contrat_pb2_grpc.ContratServiceStub
    )
    response = await stub.ListBillablePeriods(
        pb.ListBillablePeriodsRequest(
            contract_id=contract_id, up_to=date_message(up_to), from_date=date_message(from_date)
        )
    )
    return {"items": [codec.to_json(p) for c in response.contracts for p in c.periods]}
