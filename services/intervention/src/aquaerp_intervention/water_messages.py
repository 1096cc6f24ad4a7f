"""proto <-> domain for the water chemistry and the checklists."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import EnumMap, date_message, enum_map

from .checklist_service import VisitChecklist
from .checklists import ItemState, TemplateItem, VisitType
from .dosing import Dose
from .water_profile import Cover, Finish, Profile, Sanitiser, Shape
from .water_readings import Method, ReadingInput
from .water_repository import DoseRow, PhotometerRow, ReadingRow
from .water_service import DoseInput, ProfileView, WaterTestView
from .water_targets import UNITS, Parameter, Target

SHAPES = enum_map(pb.PoolShape, Shape)
FINISHES = enum_map(pb.PoolFinish, Finish)
SANITISERS = enum_map(pb.SanitiserSystem, Sanitiser)
COVERS = enum_map(pb.PoolCover, Cover)
PARAMETERS = enum_map(pb.WaterParameter, Parameter)
METHODS = enum_map(pb.ReadingMethod, Method)
VISIT_TYPES = enum_map(pb.VisitType, VisitType)
E = TypeVar("E", bound=Enum)


def _optional(mapping: EnumMap[E], member: E | None) -> Any:
    return mapping.to_proto(member) if member is not None else 0


# -- proto -> domain ---------------------------------------------------------------------------
def profile_input(message: pb.WaterProfileInput) -> Profile:
    return Profile(
        sanitiser=SANITISERS.to_python(message.sanitiser, "profile.sanitiser"),
        volume_m3=message.volume_m3,
        shape=SHAPES.optional(message.shape),
        length_m=message.length_m,
        width_m=message.width_m,
        diameter_m=message.diameter_m,
        depth_min_m=message.depth_min_m,
        depth_max_m=message.depth_max_m,
        finish=FINISHES.optional(message.finish),
        stabilised=message.stabilised,
        indoor=message.indoor,
        heated=message.heated,
        cover=COVERS.optional(message.cover),
        collective=message.collective,
    )


def target_ranges(
    messages: list[pb.TargetRange],
) -> dict[Parameter, tuple[float | None, float | None]]:
    return {
        PARAMETERS.to_python(m.parameter, f"targets.{i}.parameter"): (
            m.low if m.HasField("low") else None,
            m.high if m.HasField("high") else None,
        )
        for i, m in enumerate(messages)
    }


def reading_inputs(messages: list[pb.WaterReadingInput]) -> list[ReadingInput]:
    return [
        ReadingInput(
            PARAMETERS.to_python(m.parameter, f"readings.{i}.parameter"),
            m.value,
            METHODS.optional(m.method) or Method.DROPS,
            m.photometer_serial,
        )
        for i, m in enumerate(messages)
    ]


def dose_inputs(messages: list[pb.AppliedDose]) -> list[DoseInput]:
    return [
        DoseInput(m.product_id, m.quantity, PARAMETERS.optional(m.parameter), m.advised_quantity)
        for m in messages
    ]


def template_items(messages: list[pb.ChecklistItemTemplate]) -> list[TemplateItem]:
    return [TemplateItem(m.key, m.label, m.required) for m in messages]


def item_states(messages: list[pb.ChecklistItemState]) -> list[ItemState]:
    return [ItemState(m.key, m.checked, m.reason) for m in messages]


# -- domain -> proto ---------------------------------------------------------------------------
def range_message(parameter: Parameter, target: Target) -> pb.TargetRange:
    message = pb.TargetRange(
        parameter=PARAMETERS.to_proto(parameter), source=target.source, unit=UNITS[parameter]
    )
    if target.low is not None:
        message.low = target.low
    if target.high is not None:
        message.high = target.high
    return message


def profile_message(view: ProfileView) -> pb.WaterProfile:
    p = view.profile
    return pb.WaterProfile(
        installation_id=view.installation_id,
        site_id=view.site_id,
        profile=pb.WaterProfileInput(
            volume_m3=p.volume_m3,
            shape=_optional(SHAPES, p.shape),
            length_m=p.length_m,
            width_m=p.width_m,
            diameter_m=p.diameter_m,
            depth_min_m=p.depth_min_m,
            depth_max_m=p.depth_max_m,
            finish=_optional(FINISHES, p.finish),
            sanitiser=SANITISERS.to_proto(p.sanitiser),
            stabilised=p.stabilised,
            indoor=p.indoor,
            heated=p.heated,
            cover=_optional(COVERS, p.cover),
            collective=p.collective,
        ),
        effective_volume_m3=view.volume_m3,
        surface_m2=view.surface_m2,
        targets=[range_message(k, t) for k, t in view.targets.items()],
        spa=view.spa,
    )


def photometer_message(row: PhotometerRow, overdue: bool) -> pb.Photometer:
    return pb.Photometer(
        serial=row.serial,
        photometer=pb.PhotometerInput(
            model=row.model,
            last_calibrated_on=date_message(row.last_calibrated_on),
        ),
        calibration_overdue=overdue,
    )


def reading_message(row: ReadingRow) -> pb.WaterReading:
    parameter = Parameter(row.parameter)
    return pb.WaterReading(
        parameter=PARAMETERS.to_proto(parameter),
        value=row.value,
        unit=row.unit,
        method=METHODS.to_proto(Method(row.method)),
        photometer_serial=row.photometer_serial,
        flags=row.flags,
        target=range_message(parameter, Target(row.target_low, row.target_high, row.target_source)),
    )


def dose_message(dose: Dose) -> pb.DoseAdvice:
    return pb.DoseAdvice(
        parameter=PARAMETERS.to_proto(dose.parameter),
        role=dose.role.value,
        change=round(dose.change, 3),
        product_id=dose.product.id if dose.product else "",
        product_code=dose.product.code if dose.product else "",
        product_label=dose.product.label if dose.product else "",
        quantity=str(dose.quantity) if dose.quantity is not None else "",
        unit=dose.unit,
        step=dose.step,
        capped=dose.capped,
        note=dose.note,
    )


def applied_message(row: DoseRow) -> pb.AppliedDose:
    return pb.AppliedDose(
        product_id=row.product_id,
        quantity=row.quantity,
        parameter=PARAMETERS.to_proto(Parameter(row.parameter))
        if row.parameter
        else pb.WATER_PARAMETER_UNSPECIFIED,
        advised_quantity=row.advised_quantity,
    )


def water_test_message(view: WaterTestView) -> pb.WaterTest:
    message = pb.WaterTest(
        intervention_id=view.intervention_id,
        installation_id=view.installation_id,
        readings=[reading_message(r) for r in view.readings],
        advice=[dose_message(d) for d in view.advice.doses],
        notes=view.advice.notes,
        applied=[applied_message(d) for d in view.applied],
        volume_m3=view.volume_m3,
    )
    if view.balance is not None:
        b = view.balance
        message.balance.CopyFrom(
            pb.WaterBalance(
                lsi=b.lsi,
                saturation_ph=b.saturation_ph,
                verdict=b.verdict.value,
                adjust_first=b.adjust_first,
                advice=b.advice,
            )
        )
    return message


def template_message(visit_type: VisitType, items: list[TemplateItem]) -> pb.ChecklistTemplate:
    return pb.ChecklistTemplate(
        visit_type=VISIT_TYPES.to_proto(visit_type),
        items=[
            pb.ChecklistItemTemplate(key=i.key, label=i.label, required=i.required) for i in items
        ],
    )


def checklist_message(checklist: VisitChecklist) -> pb.VisitChecklist:
    return pb.VisitChecklist(
        intervention_id=checklist.intervention_id,
        visit_type=VISIT_TYPES.to_proto(checklist.visit_type),
        items=[
            pb.ChecklistItemTemplate(key=i.key, label=i.label, required=i.required)
            for i in checklist.items
        ],
        states=[
            pb.ChecklistItemState(key=s.key, checked=s.checked, reason=s.reason)
            for s in checklist.states
        ],
    )
