"""SQL of the stops that could not be done and of the company's settings for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import stop_settings, stops_not_done


@dataclass(frozen=True)
class StopRow:
    intervention_id: uuid.UUID
    reason: str
    note: str
    photo_ids: list[str]
    reported_at: datetime
    reported_by: str
    follow_up: str
    follow_up_id: uuid.UUID | None
    customer_notified: bool


@dataclass(frozen=True)
class StopSettingsRow:
    carry_over_automatically: bool
    notify_customer: bool


class StopRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stop(self, intervention_id: uuid.UUID) -> StopRow | None:
        row = (
            (
                await self.session.execute(
                    select(stops_not_done).where(
                        stops_not_done.c.intervention_id == intervention_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return StopRow(**{name: row[name] for name in StopRow.__dataclass_fields__})

    async def insert_stop(self, values: dict[str, Any]) -> None:
        await self.session.execute(stops_not_done.insert().values(**values))

    async def settings(self) -> StopSettingsRow | None:
        row = (
            (
                await self.session.execute(
                    select(
                        stop_settings.c.carry_over_automatically, stop_settings.c.notify_customer
                    ).where(stop_settings.c.id == 1)
                )
            )
            .mappings()
            .first()
        )
        return StopSettingsRow(**row) if row else None

    async def save_settings(self, carry_over: bool, notify: bool) -> None:
        values = {"carry_over_automatically": carry_over, "notify_customer": notify}
        await self.session.execute(
            insert(stop_settings)
            .values(id=1, **values)
            .on_conflict_do_update(
                index_elements=[stop_settings.c.id], set_={**values, "updated_at": func.now()}
            )
        )
