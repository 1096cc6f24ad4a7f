"""Checklists per visit type: the office edits the templates; a visit is not completed while a
required item is neither checked nor explained (409 naming the item); a reason is enough."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import FIELD_NOW, Field, png, ts
from .test_catalogue_parts import started

WEEKLY = [
    pb.ChecklistItemTemplate(key="skimmers", label="Paniers de skimmer vidés", required=True),
    pb.ChecklistItemTemplate(key="filter", label="Lavage du filtre", required=True),
    pb.ChecklistItemTemplate(key="brush", label="Brossage des parois", required=False),
]


def completion(visit_id: str) -> pb.CompleteInterventionRequest:
    return pb.CompleteInterventionRequest(
        id=visit_id,
        technician_signature=pb.Signature(
            signer_name="Léa Roussel", signed_at=ts(FIELD_NOW), png=png()
        ),
        customer_absent=True,
        customer_absence_reason="Client absent",
    )


async def test_a_required_item_blocks_completion_until_checked_or_explained(
    field_services: Field,
) -> None:
    f = field_services
    office = await f.office()
    template = await f.stub.SetChecklistTemplate(
        pb.SetChecklistTemplateRequest(visit_type=pb.VISIT_TYPE_WEEKLY, items=WEEKLY),
        metadata=office,
    )
    assert [i.key for i in template.items] == ["skimmers", "filter", "brush"]
    visit, _, me = await started(f)

    # Nothing ticked yet: both required items are named.
    error = await rpc_error(f.stub.CompleteIntervention(completion(visit.id), metadata=me))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_violations(error.trailing_metadata()) == {
        "reason": "CHECKLIST_INCOMPLETE",
        "checklist.skimmers": "à cocher ou à justifier",
        "checklist.filter": "à cocher ou à justifier",
    }

    saved = await f.stub.SaveChecklist(
        pb.SaveChecklistRequest(
            intervention_id=visit.id,
            states=[pb.ChecklistItemState(key="skimmers", checked=True)],
        ),
        metadata=me,
    )
    assert saved.visit_type == pb.VISIT_TYPE_WEEKLY
    assert [(s.key, s.checked) for s in saved.states] == [
        ("skimmers", True),
        ("filter", False),
        ("brush", False),
    ]
    error = await rpc_error(f.stub.CompleteIntervention(completion(visit.id), metadata=me))
    assert set(field_violations(error.trailing_metadata())) == {"reason", "checklist.filter"}
    assert "Lavage du filtre" in (error.details() or "")

    # A reason for the unchecked required item is enough; the optional one may stay empty.
    await f.stub.SaveChecklist(
        pb.SaveChecklistRequest(
            intervention_id=visit.id,
            states=[
                pb.ChecklistItemState(key="skimmers", checked=True),
                pb.ChecklistItemState(key="filter", reason="Vanne multivoies bloquée"),
            ],
        ),
        metadata=me,
    )
    done = await f.stub.CompleteIntervention(completion(visit.id), metadata=me)
    assert done.status == pb.INTERVENTION_STATUS_COMPLETED


async def test_templates_are_the_offices_and_states_name_known_items(
    field_services: Field,
) -> None:
    f = field_services
    visit, _, me = await started(f)
    error = await rpc_error(
        f.stub.SetChecklistTemplate(
            pb.SetChecklistTemplateRequest(visit_type=pb.VISIT_TYPE_WEEKLY, items=WEEKLY),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    office = await f.office()
    error = await rpc_error(
        f.stub.SetChecklistTemplate(
            pb.SetChecklistTemplateRequest(
                visit_type=pb.VISIT_TYPE_WINTERISING, items=[WEEKLY[0], WEEKLY[0]]
            ),
            metadata=office,
        )
    )
    assert field_violations(error.trailing_metadata()) == {"items.1.key": "en double"}
    await f.stub.SetChecklistTemplate(
        pb.SetChecklistTemplateRequest(visit_type=pb.VISIT_TYPE_WEEKLY, items=WEEKLY),
        metadata=office,
    )
    error = await rpc_error(
        f.stub.SaveChecklist(
            pb.SaveChecklistRequest(
                intervention_id=visit.id,
                states=[pb.ChecklistItemState(key="vidange", checked=True)],
            ),
            metadata=me,
        )
    )
    assert field_violations(error.trailing_metadata()) == {"states.0.key": "inconnu"}
    # A winterising visit follows the winterising template (none yet: nothing required).
    winter = await f.stub.SaveChecklist(
        pb.SaveChecklistRequest(intervention_id=visit.id, visit_type=pb.VISIT_TYPE_WINTERISING),
        metadata=me,
    )
    assert (winter.visit_type, list(winter.items)) == (pb.VISIT_TYPE_WINTERISING, [])
    templates = await f.stub.ListChecklistTemplates(pb.ListChecklistTemplatesRequest(), metadata=me)
    assert [t.visit_type for t in templates.templates] == [pb.VISIT_TYPE_WEEKLY]
    done = await f.stub.CompleteIntervention(completion(visit.id), metadata=me)
    assert done.status == pb.INTERVENTION_STATUS_COMPLETED
