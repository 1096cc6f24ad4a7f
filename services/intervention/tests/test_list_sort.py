"""The interventions list sorted on request and counted: walking a sorted list page by page
gives every visit once in the requested order (undated work first when ascending, ties by id),
each page carries the filtered total, and an unknown sort is refused on `order_by`."""

from __future__ import annotations

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Field


def _day(visit: pb.Intervention) -> tuple[int, int, int]:
    d = visit.planned_date
    return (d.year, d.month, d.day) if visit.HasField("planned_date") else (1, 1, 1)


async def test_interventions_sorted_by_date_desc_and_counted(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    contract, site = await f.contract(plans=[{"rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}])
    await f.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=common_pb2.Date(year=2031, month=9, day=1)
        ),
        metadata=office,
    )
    await f.stub.CreateIntervention(
        pb.CreateInterventionRequest(
            contract_id=contract.id,
            site_id=site.id,
            priority=pb.PRIORITY_NORMAL,
            problem_description="Fuite au local technique",
        ),
        metadata=office,
    )
    everything = await f.visits(contract.id)
    expected = sorted(everything, key=lambda v: (_day(v), v.id), reverse=True)
    walked: list[pb.Intervention] = []
    token = ""
    while True:
        page = await f.stub.ListInterventions(
            pb.ListInterventionsRequest(
                contract_id=contract.id,
                order_by="planned_date desc",
                page=common_pb2.PageRequest(page_size=9, page_token=token),
            ),
            metadata=office,
        )
        assert page.page.total_size == len(everything)
        walked.extend(page.interventions)
        token = page.page.next_page_token
        if not token:
            break
    assert [v.id for v in walked] == [v.id for v in expected]
    assert not walked[-1].HasField("planned_date"), "the undated visit ends a descending list"

    planning_order = await f.stub.ListInterventions(
        pb.ListInterventionsRequest(
            contract_id=contract.id, page=common_pb2.PageRequest(page_size=5)
        ),
        metadata=office,
    )
    assert planning_order.page.total_size == len(everything)
    assert len(planning_order.interventions) == 5

    error = await rpc_error(
        f.stub.ListInterventions(
            pb.ListInterventionsRequest(contract_id=contract.id, order_by="technician"),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "order_by" in field_violations(error.trailing_metadata())
