"""All SQL of the water chemistry and the checklists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    applied_doses,
    checklist_templates,
    photometers,
    visit_checklists,
    water_profiles,
    water_readings,
    water_targets,
)


@dataclass(frozen=True)
class ProfileRow:
    installation_id: uuid.UUID
    site_id: uuid.UUID
    spa: bool
    installation_volume_m3: float
    profile: dict[str, Any]


@dataclass(frozen=True)
class PhotometerRow:
    serial: str
    model: str
    last_calibrated_on: date


@dataclass(frozen=True)
class ReadingRow:
    intervention_id: uuid.UUID
    installation_id: uuid.UUID
    parameter: str
    value: float
    unit: str
    method: str
    photometer_serial: str
    flags: list[str]
    target_low: float | None
    target_high: float | None
    target_source: str
    taken_at: datetime


@dataclass(frozen=True)
class DoseRow:
    product_id: str
    quantity: str
    advised_quantity: str
    parameter: str


class WaterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- profiles and targets ---------------------------------------------------------------
    async def profile(self, installation_id: uuid.UUID) -> ProfileRow | None:
        row = (
            (
                await self.session.execute(
                    select(water_profiles).where(
                        water_profiles.c.installation_id == installation_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return ProfileRow(
            row["installation_id"],
            row["site_id"],
            row["spa"],
            row["installation_volume_m3"],
            dict(row["profile"]),
        )

    async def save_profile(self, row: ProfileRow) -> None:
        values = {
            "site_id": row.site_id,
            "spa": row.spa,
            "installation_volume_m3": row.installation_volume_m3,
            "profile": row.profile,
        }
        await self.session.execute(
            pg_insert(water_profiles)
            .values(installation_id=row.installation_id, **values)
            .on_conflict_do_update(index_elements=[water_profiles.c.installation_id], set_=values)
        )

    async def targets(
        self, scopes: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, tuple[float | None, float | None]]]:
        """Ranges by (scope, scope_id), then by parameter."""
        found: dict[tuple[str, str], dict[str, tuple[float | None, float | None]]] = {
            scope: {} for scope in scopes
        }
        if not scopes:
            return found
        rows = await self.session.execute(
            select(water_targets).where(
                water_targets.c.scope.in_([s for s, _ in scopes]),
                water_targets.c.scope_id.in_([i for _, i in scopes]),
            )
        )
        for row in rows.mappings():
            key = (row["scope"], row["scope_id"])
            if key in found:
                found[key][row["parameter"]] = (row["low"], row["high"])
        return found

    async def replace_targets(
        self, scope: str, scope_id: str, ranges: dict[str, tuple[float | None, float | None]]
    ) -> None:
        await self.session.execute(
            delete(water_targets).where(
                water_targets.c.scope == scope, water_targets.c.scope_id == scope_id
            )
        )
        if ranges:
            await self.session.execute(
                insert(water_targets),
                [
                    {"scope": scope, "scope_id": scope_id, "parameter": p, "low": lo, "high": hi}
                    for p, (lo, hi) in ranges.items()
                ],
            )

    # -- photometers ------------------------------------------------------------------------
    async def save_photometer(self, row: PhotometerRow) -> None:
        values = {"model": row.model, "last_calibrated_on": row.last_calibrated_on}
        await self.session.execute(
            pg_insert(photometers)
            .values(serial=row.serial, **values)
            .on_conflict_do_update(index_elements=[photometers.c.serial], set_=values)
        )

    async def photometers(self, serials: Sequence[str] | None = None) -> list[PhotometerRow]:
        query = select(photometers).order_by(photometers.c.serial)
        if serials is not None:
            query = query.where(photometers.c.serial.in_(list(serials)))
        rows = await self.session.execute(query)
        return [PhotometerRow(**dict(r)) for r in rows.mappings()]

    # -- readings and doses -----------------------------------------------------------------
    async def replace_readings(
        self, intervention_id: uuid.UUID, installation_id: uuid.UUID, rows: list[dict[str, Any]]
    ) -> None:
        await self.session.execute(
            delete(water_readings).where(
                water_readings.c.intervention_id == intervention_id,
                water_readings.c.installation_id == installation_id,
            )
        )
        if rows:
            await self.session.execute(
                insert(water_readings),
                [
                    {"intervention_id": intervention_id, "installation_id": installation_id, **r}
                    for r in rows
                ],
            )

    async def readings(
        self, intervention_id: uuid.UUID, installation_id: uuid.UUID
    ) -> list[ReadingRow]:
        rows = await self.session.execute(
            select(water_readings)
            .where(
                water_readings.c.intervention_id == intervention_id,
                water_readings.c.installation_id == installation_id,
            )
            .order_by(water_readings.c.id)
        )
        return [_reading(r) for r in rows.mappings()]

    async def visit_readings(self, intervention_id: uuid.UUID) -> list[ReadingRow]:
        """Every reading of a visit, by installation then as recorded."""
        rows = await self.session.execute(
            select(water_readings)
            .where(water_readings.c.intervention_id == intervention_id)
            .order_by(water_readings.c.installation_id, water_readings.c.id)
        )
        return [_reading(r) for r in rows.mappings()]

    async def trend(
        self, installation_id: uuid.UUID, parameter: str, visits: int
    ) -> list[ReadingRow]:
        """The parameter's reading of the installation's last `visits` visits, oldest first."""
        rows = await self.session.execute(
            select(water_readings)
            .where(
                water_readings.c.installation_id == installation_id,
                water_readings.c.parameter == parameter,
            )
            .order_by(water_readings.c.taken_at.desc(), water_readings.c.id.desc())
            .limit(visits)
        )
        return [_reading(r) for r in reversed(rows.mappings().all())]

    async def replace_doses(
        self,
        intervention_id: uuid.UUID,
        installation_id: uuid.UUID,
        doses: list[DoseRow],
        applied_at: datetime,
    ) -> None:
        await self.session.execute(
            delete(applied_doses).where(
                applied_doses.c.intervention_id == intervention_id,
                applied_doses.c.installation_id == installation_id,
            )
        )
        if doses:
            await self.session.execute(
                insert(applied_doses),
                [
                    {
                        "intervention_id": intervention_id,
                        "installation_id": installation_id,
                        "position": index,
                        "product_id": dose.product_id,
                        "quantity": dose.quantity,
                        "advised_quantity": dose.advised_quantity,
                        "parameter": dose.parameter,
                        "applied_at": applied_at,
                    }
                    for index, dose in enumerate(doses)
                ],
            )

    async def doses(
        self, intervention_id: uuid.UUID, installation_id: uuid.UUID | None = None
    ) -> list[DoseRow]:
        query = select(applied_doses).where(applied_doses.c.intervention_id == intervention_id)
        if installation_id is not None:
            query = query.where(applied_doses.c.installation_id == installation_id)
        rows = await self.session.execute(
            query.order_by(applied_doses.c.installation_id, applied_doses.c.position)
        )
        return [
            DoseRow(r["product_id"], r["quantity"], r["advised_quantity"], r["parameter"])
            for r in rows.mappings()
        ]

    # -- checklists -------------------------------------------------------------------------
    async def save_template(self, visit_type: str, items: list[dict[str, Any]]) -> None:
        await self.session.execute(
            pg_insert(checklist_templates)
            .values(visit_type=visit_type, items=items)
            .on_conflict_do_update(
                index_elements=[checklist_templates.c.visit_type], set_={"items": items}
            )
        )

    async def templates(self) -> dict[str, list[dict[str, Any]]]:
        rows = await self.session.execute(
            select(checklist_templates).order_by(checklist_templates.c.visit_type)
        )
        return {r["visit_type"]: list(r["items"]) for r in rows.mappings()}

    async def visit_checklist(
        self, intervention_id: uuid.UUID
    ) -> tuple[str, list[dict[str, Any]]] | None:
        row = (
            (
                await self.session.execute(
                    select(visit_checklists).where(
                        visit_checklists.c.intervention_id == intervention_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return (row["visit_type"], list(row["states"])) if row else None

    async def save_visit_checklist(
        self, intervention_id: uuid.UUID, visit_type: str, states: list[dict[str, Any]]
    ) -> None:
        values = {"visit_type": visit_type, "states": states}
        await self.session.execute(
            pg_insert(visit_checklists)
            .values(intervention_id=intervention_id, **values)
            .on_conflict_do_update(index_elements=[visit_checklists.c.intervention_id], set_=values)
        )


def _reading(row: Any) -> ReadingRow:
    return ReadingRow(
        row["intervention_id"],
        row["installation_id"],
        row["parameter"],
        row["value"],
        row["unit"],
        row["method"],
        row["photometer_serial"],
        list(row["flags"]),
        row["target_low"],
        row["target_high"],
        row["target_source"],
        row["taken_at"],
    )
