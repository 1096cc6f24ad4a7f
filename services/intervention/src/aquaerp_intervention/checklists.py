"""Visit checklists: the office's templates per visit type, the technician's ticks, and the rule
that a visit is not completed while a required item is neither checked nor explained. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument

from .lifecycle import Kind


class VisitType(StrEnum):
    WEEKLY = "weekly"
    WINTERISING = "winterising"
    SPRING_RESTART = "spring_restart"
    BREAKDOWN = "breakdown"


def default_visit_type(kind: str) -> VisitType:
    return VisitType.BREAKDOWN if kind == Kind.CORRECTIVE else VisitType.WEEKLY


@dataclass(frozen=True)
class TemplateItem:
    key: str
    label: str
    required: bool


@dataclass(frozen=True)
class ItemState:
    key: str
    checked: bool
    reason: str = ""


def check_template(items: list[TemplateItem]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.key in seen:
            raise InvalidArgument(
                f"clé en double : {item.key}", fields={f"items.{index}.key": "en double"}
            )
        seen.add(item.key)


def check_states(template: list[TemplateItem], states: list[ItemState]) -> None:
    """Every state names an item of the template, once."""
    keys = {item.key for item in template}
    seen: set[str] = set()
    for index, state in enumerate(states):
        if state.key not in keys:
            raise InvalidArgument(
                f"élément inconnu : {state.key}", fields={f"states.{index}.key": "inconnu"}
            )
        if state.key in seen:
            raise InvalidArgument(
                f"élément en double : {state.key}", fields={f"states.{index}.key": "en double"}
            )
        seen.add(state.key)


def missing_required(template: list[TemplateItem], states: list[ItemState]) -> list[TemplateItem]:
    """Required items neither checked nor explained."""
    by_key = {state.key: state for state in states}
    missing = []
    for item in template:
        state = by_key.get(item.key)
        if item.required and not (state and (state.checked or state.reason.strip())):
            missing.append(item)
    return missing


def check_completable(template: list[TemplateItem], states: list[ItemState]) -> None:
    """FAILED_PRECONDITION (409) naming each missing item as `checklist.<key>`."""
    missing = missing_required(template, states)
    if missing:
        labels = ", ".join(item.label for item in missing)
        raise FailedPrecondition(
            f"CHECKLIST_INCOMPLETE: à cocher ou à justifier : {labels}",
            fields={
                "reason": "CHECKLIST_INCOMPLETE",
                **{f"checklist.{item.key}": "à cocher ou à justifier" for item in missing},
            },
            reason="CHECKLIST_INCOMPLETE",
            params={"items": labels},
        )
