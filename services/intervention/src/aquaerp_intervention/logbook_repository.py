"""All SQL of the collective pools' health logbook."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import logbook_entries


@dataclass(frozen=True)
class LogbookRow:
    id: uuid.UUID
    installation_id: uuid.UUID
    site_id: uuid.UUID
    customer_id: str
    taken_at: datetime
    free_chlorine: float
    total_chlorine: float
    ph: float
    temperature: float
    transparent: bool
    attendance: int
    water_added_m3: float
    filter_washed: bool
    incident: str
    breaches: list[str]
    entered_by: str
    entered_by_role: str
    entered_at: datetime


def _row(mapping: Any) -> LogbookRow:
    values = {name: mapping[name] for name in LogbookRow.__dataclass_fields__}
    values["breaches"] = list(values["breaches"])
    return LogbookRow(**values)


class LogbookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_entry(self, values: dict[str, Any]) -> LogbookRow:
        inserted = await self.session.execute(
            insert(logbook_entries).values(**values).returning(*logbook_entries.c)
        )
        return _row(inserted.mappings().one())

    async def site_entries(
        self, site_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[LogbookRow]:
        """A site's entries taken in [start, end), in time order."""
        rows = (
            await self.session.execute(
                select(logbook_entries)
                .where(
                    logbook_entries.c.site_id == site_id,
                    logbook_entries.c.taken_at >= start,
                    logbook_entries.c.taken_at < end,
                )
                .order_by(logbook_entries.c.taken_at, logbook_entries.c.id)
            )
        ).mappings()
        return [_row(r) for r in rows]
