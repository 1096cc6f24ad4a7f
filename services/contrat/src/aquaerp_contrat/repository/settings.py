"""Company settings: one JSON document per key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import company_settings


class SettingRecords:
    session: AsyncSession

    async def setting(self, key: str) -> Any | None:
        return await self.session.scalar(
            select(company_settings.c.value).where(company_settings.c.key == key)
        )

    async def put_setting(self, key: str, value: Any) -> None:
        await self.session.execute(
            pg_insert(company_settings)
            .values(key=key, value=value)
            .on_conflict_do_update(
                index_elements=["key"], set_={"value": value, "updated_at": func.now()}
            )
        )
