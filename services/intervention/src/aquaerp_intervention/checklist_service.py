"""Checklist templates (the office's) and visit checklists (the technician's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aquaerp_runtime.authz import TECHNICIEN, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition
from sqlalchemy.ext.asyncio import AsyncSession

from .access import OFFICE, reportable_intervention
from .checklists import (
    ItemState,
    TemplateItem,
    VisitType,
    check_completable,
    check_states,
    check_template,
    default_visit_type,
)
from .lifecycle import Status
from .repository import InterventionRepository, InterventionRow
from .water_repository import WaterRepository


@dataclass(frozen=True)
class VisitChecklist:
    intervention_id: str
    visit_type: VisitType
    items: list[TemplateItem]
    states: list[ItemState]


def _items(data: list[dict[str, Any]]) -> list[TemplateItem]:
    return [TemplateItem(d["key"], d["label"], bool(d["required"])) for d in data]


def _states(data: list[dict[str, Any]]) -> list[ItemState]:
    return [ItemState(d["key"], bool(d["checked"]), d.get("reason", "")) for d in data]


async def _visit_checklist(session: AsyncSession, row: InterventionRow) -> VisitChecklist:
    repo = WaterRepository(session)
    saved = await repo.visit_checklist(row.id)
    visit_type = VisitType(saved[0]) if saved else default_visit_type(row.kind)
    template = _items((await repo.templates()).get(visit_type.value, []))
    states = {s.key: s for s in _states(saved[1] if saved else [])}
    return VisitChecklist(
        str(row.id),
        visit_type,
        template,
        [states.get(item.key, ItemState(item.key, False)) for item in template],
    )


async def check_visit_checklist(session: AsyncSession, row: InterventionRow) -> None:
    """Called by the completion: refuses while a required item is neither checked nor
    explained."""
    checklist = await _visit_checklist(session, row)
    check_completable(checklist.items, checklist.states)


class ChecklistService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def set_template(
        self, visit_type: VisitType, items: list[TemplateItem]
    ) -> list[TemplateItem]:
        require_roles(*OFFICE)
        check_template(items)
        async with self.database.unit_of_work() as session:
            await WaterRepository(session).save_template(
                visit_type.value,
                [{"key": i.key, "label": i.label.strip(), "required": i.required} for i in items],
            )
        return items

    async def templates(self) -> dict[VisitType, list[TemplateItem]]:
        require_roles(*OFFICE, TECHNICIEN)
        async with self.database.unit_of_work() as session:
            stored = await WaterRepository(session).templates()
        return {VisitType(k): _items(v) for k, v in stored.items()}

    async def save(
        self, intervention_id: str, visit_type: VisitType | None, states: list[ItemState]
    ) -> VisitChecklist:
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(
                InterventionRepository(session), intervention_id, for_update=True
            )
            if row.status != Status.IN_PROGRESS:
                raise FailedPrecondition(
                    "démarrer la visite avant la check-list", fields={"status": row.status}
                )
            repo = WaterRepository(session)
            chosen = visit_type or default_visit_type(row.kind)
            template = _items((await repo.templates()).get(chosen.value, []))
            check_states(template, states)
            await repo.save_visit_checklist(
                row.id,
                chosen.value,
                [{"key": s.key, "checked": s.checked, "reason": s.reason.strip()} for s in states],
            )
            return await _visit_checklist(session, row)

    async def get(self, intervention_id: str) -> VisitChecklist:
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(InterventionRepository(session), intervention_id)
            return await _visit_checklist(session, row)
