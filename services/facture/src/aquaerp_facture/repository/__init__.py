"""All SQL of the facture service, one module per part: `invoices` (drafts, issue, the chain,
exports), `receivables` (payments, balances, dunning) and `billing_runs`. Each repository works
in the caller's session; one unit of work may use several."""

from __future__ import annotations

from typing import Any

from aquaerp_runtime.outbox import record_event
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import outbox


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_event(
        self, event_type: str, aggregate_type: str, aggregate_id: str, payload: dict[str, Any]
    ) -> None:
        await record_event(self.session, outbox, event_type, aggregate_type, aggregate_id, payload)
