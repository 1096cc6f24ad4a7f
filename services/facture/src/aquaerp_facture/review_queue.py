"""The office's review queue: invoices of completed interventions wait there as drafts until
someone in accounting has checked them and issues them (single or several at once); nothing is
numbered, rendered or e-mailed before that. The company setting
`auto_issue_intervention_invoices` skips the queue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aquaerp_runtime.db import Database

from .models import INVOICE, InvoiceSource
from .repository.invoices import InvoiceRepository, InvoiceRow

if TYPE_CHECKING:
    from .service import InvoiceView


async def queue_intervention_draft(
    database: Database,
    intervention_id: str,
    values: dict[str, Any],
    *,
    contract_id: str | None,
    idempotency_key: str | None,
    created_by: str,
    views: Callable[[InvoiceRepository, list[InvoiceRow]], Awaitable[list[InvoiceView]]],
) -> InvoiceView:
    """The intervention's draft, created once whatever the retries (the intervention and the
    idempotency key are unique among invoices)."""
    async with database.unit_of_work() as session:
        repo = InvoiceRepository(session)
        draft_id = await repo.insert_draft(
            {
                **values,
                "type": INVOICE,
                "source": InvoiceSource.INTERVENTION,
                "contract_id": contract_id,
                "intervention_id": intervention_id,
                "idempotency_key": idempotency_key,
                "created_by": created_by,
            }
        )
        row = (
            await repo.invoice(draft_id)
            if draft_id is not None
            else await repo.invoice_of_intervention(intervention_id)
        )
        if row is None and idempotency_key:
            row = await repo.invoice_by_idempotency_key(idempotency_key)
        assert row is not None
        return (await views(repo, [row]))[0]
