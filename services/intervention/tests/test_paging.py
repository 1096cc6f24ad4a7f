"""List RPCs page with opaque tokens: walking the pages gives every item once, in order, even
where sort keys are missing (undated work) or equal (same name); a foreign token is refused on
the field `page.page_token`."""

from __future__ import annotations

from datetime import date

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_intervention.local_time import local_datetime
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.paging import encode_token
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Field, ts

DAY = date(2031, 9, 3)


async def test_technicians_page_by_name_then_id(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    for name in ("Zoé Pagination", "Anne Pagination", "Anne Pagination", "Marc Pagination"):
        await f.technician(name=name, skills=("pagination",))
    everyone = await f.stub.ListTechnicians(
        pb.ListTechniciansRequest(skill="pagination"), metadata=office
    )
    assert [t.display_name for t in everyone.technicians] == [
        "Anne Pagination",
        "Anne Pagination",
        "Marc Pagination",
        "Zoé Pagination",
    ]
    assert not everyone.page.next_page_token
    walked: list[str] = []
    token = ""
    while True:
        page = await f.stub.ListTechnicians(
            pb.ListTechniciansRequest(
                skill="pagination", page=common_pb2.PageRequest(page_size=1, page_token=token)
            ),
            metadata=office,
        )
        walked.extend(t.id for t in page.technicians)
        token = page.page.next_page_token
        if not token:
            break
    assert walked == [t.id for t in everyone.technicians]

    for foreign in ("Anne Pagination|0", encode_token("Anne", "not-a-uuid"), encode_token("x")):
        error = await rpc_error(
            f.stub.ListTechnicians(
                pb.ListTechniciansRequest(page=common_pb2.PageRequest(page_token=foreign)),
                metadata=office,
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "page.page_token" in field_violations(error.trailing_metadata())


async def test_interventions_page_with_undated_and_unscheduled_work(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    tech, _ = await f.technician()
    contract, site = await f.contract(plans=[{"rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR"}])
    await f.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=common_pb2.Date(year=2031, month=9, day=1)
        ),
        metadata=office,
    )
    for problem in ("Fuite au local technique", "Pompe bruyante"):
        await f.stub.CreateIntervention(
            pb.CreateInterventionRequest(
                contract_id=contract.id,
                site_id=site.id,
                priority=pb.PRIORITY_NORMAL,
                problem_description=problem,
            ),
            metadata=office,
        )
    everything = await f.visits(contract.id)
    (wednesday,) = [
        v for v in everything if v.planned_date == common_pb2.Date(year=2031, month=9, day=3)
    ]
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=wednesday.id, technician_id=tech.id, scheduled_start=ts(local_datetime(DAY, 9 * 60))
        ),
        metadata=office,
    )
    everything = await f.visits(contract.id)
    assert len(everything) > 100
    assert [v.HasField("planned_date") for v in everything[:3]] == [False, False, True]
    walked: list[str] = []
    token = ""
    while True:
        page = await f.stub.ListInterventions(
            pb.ListInterventionsRequest(
                contract_id=contract.id, page=common_pb2.PageRequest(page_size=7, page_token=token)
            ),
            metadata=office,
        )
        assert len(page.interventions) <= 7
        walked.extend(v.id for v in page.interventions)
        token = page.page.next_page_token
        if not token:
            break
    assert walked == [v.id for v in everything]

    for foreign in ("7", encode_token("2031-09-03", "", "yesterday", wednesday.id)):
        error = await rpc_error(
            f.stub.ListInterventions(
                pb.ListInterventionsRequest(page=common_pb2.PageRequest(page_token=foreign)),
                metadata=office,
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "page.page_token" in field_violations(error.trailing_metadata())
