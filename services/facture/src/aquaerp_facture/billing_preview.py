"""A real billing run is the second step of a two-step action: a person first previews the run
(a dry run: invoices grouped by customer, totals, skipped entries with their reasons), then
confirms that preview. The run is refused without a confirmation that matches a preview of the
same run (its billing date defaults to today, so yesterday's preview is another run); the scheduled monthly run of the workflow service needs none."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument

from .models import BillingRunStatus
from .repository.billing_runs import BillingRunRepository

FIELD = "confirmed_preview_id"


@dataclass(frozen=True, slots=True)
class Confirmation:
    preview_id: str
    # The total including VAT the person saw, when the caller sends it.
    total_including_vat_cents: int | None


async def check_confirmation(
    database: Database,
    principal: Principal,
    confirmation: Confirmation,
    *,
    up_to: date,
    from_date: date | None,
    contract_id: str,
) -> None:
    """Raises unless a person's real run confirms a completed preview of the same run (same
    billing date, start and contract; and, when given, the same total)."""
    if principal.is_service:
        return
    if not confirmation.preview_id:
        raise InvalidArgument(
            "a billing run is started from a preview: preview it, then confirm",
            fields={FIELD: "is required to start a real run (the id of its preview)"},
            reason="billing_run.preview_required",
        )
    try:
        preview_id = uuid.UUID(confirmation.preview_id)
    except ValueError:
        raise InvalidArgument(
            f"{FIELD} is not a valid id",
            fields={FIELD: "not a valid id"},
            reason="billing_run.preview_required",
        ) from None
    async with database.unit_of_work() as session:
        repo = BillingRunRepository(session)
        preview = await repo.run(preview_id)
        counts = (await repo.run_counts([preview_id]))[preview_id] if preview else None
    if preview is None or not preview.dry_run:
        raise InvalidArgument(
            "no such preview",
            fields={FIELD: "is not a preview"},
            reason="billing_run.preview_required",
        )
    if (preview.up_to, preview.from_date, preview.contract_id or "") != (
        up_to,
        from_date,
        contract_id,
    ):
        raise InvalidArgument(
            "the preview was made for another date, start or contract",
            fields={FIELD: "is the preview of another run"},
            reason="billing_run.preview_mismatch",
        )
    if preview.status != BillingRunStatus.COMPLETED:
        raise FailedPrecondition(
            "the preview is not finished: wait for it, then confirm",
            reason="billing_run.preview_unfinished",
        )
    assert counts is not None
    seen = confirmation.total_including_vat_cents
    if seen is not None and seen != counts.total_including_vat_cents:
        raise FailedPrecondition(
            "the confirmed total is not the preview's: preview the run again",
            reason="billing_run.total_changed",
            params={"preview_total_cents": counts.total_including_vat_cents},
        )
