"""Field work: a technician starts an intervention, fills in its report, and completes it with
signatures; completion renders the report PDF, tells facture what to invoice and moves the plan's
next visit when the plan restarts from the completion date."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)

from .access import check_pending, reportable_intervention, visible_intervention
from .catalogue_client import Catalogue, CatalogueQuote
from .checklist_service import check_visit_checklist
from .contracts import ContractDirectory, PlanOccurrence
from .lifecycle import Kind, Status
from .local_time import local_day
from .measurements import RULES, check_measurements
from .photo_service import report_photos
from .photo_store import PhotoStore
from .report_content import (
    Completion,
    ReportInput,
    catalogue_parts,
    check_actions,
    check_completion,
    check_notes,
    check_parts,
    check_time_spent,
    completed_payload,
    measurements_of,
    report_document,
    signature_values,
)
from .report_pdf import PhotoThumbnail, ReportRenderer
from .repository import InterventionRepository, InterventionRow
from .views import InterventionView, view
from .visit_service import CLOCK_TOLERANCE
from .visits import Events, appointment_events
from .water_report import water_section
from .water_repository import WaterRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportPdf:
    filename: str
    pdf: bytes
    sha256: str


class ReportService:
    def __init__(
        self,
        database: Database,
        contracts: ContractDirectory,
        renderer: ReportRenderer,
        clock: Clock,
        catalogue: Catalogue | None = None,
        photo_store: PhotoStore | None = None,
    ) -> None:
        self.database = database
        self.contracts = contracts
        self.renderer = renderer
        self.clock = clock
        self.catalogue = catalogue
        self.photo_store = photo_store

    async def start(self, intervention_id: str, started_at: datetime | None) -> InterventionView:
        now = self.clock.now()
        started_at = started_at or now
        if started_at > now + CLOCK_TOLERANCE:
            raise InvalidArgument(
                "the start cannot be in the future", fields={"started_at": "in the future"}
            )
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await reportable_intervention(repo, intervention_id, for_update=True)
            check_pending(row)
            if row.technician_id is None:
                raise FailedPrecondition(
                    "assign a technician first", fields={"technician_id": "unassigned"}
                )
            await repo.update_intervention(
                row.id, {"status": Status.IN_PROGRESS, "started_at": started_at}
            )
            await repo.save_report(row.id, {})
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await view(repo, updated, now)

    async def _catalogue_quotes(
        self, intervention_id: str, data: ReportInput
    ) -> dict[str, CatalogueQuote]:
        """Prices of the catalogue parts for this visit's contract, today, checked for the
        assigned technician (a TP2 biocide needs a valid Certibiocide)."""
        picked = catalogue_parts(data.parts)
        if not picked:
            return {}
        if self.catalogue is None:
            raise FailedPrecondition(
                "le catalogue n'est pas disponible", fields={"parts": "catalogue indisponible"}
            )
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(InterventionRepository(session), intervention_id)
        return await self.catalogue.quote(
            picked,
            row.contract_id or "",
            self.clock.today(),
            str(row.technician_id) if row.technician_id else "",
        )

    async def save_report(self, intervention_id: str, data: ReportInput) -> InterventionView:
        check_measurements(data.measurements)
        quotes = await self._catalogue_quotes(intervention_id, data)
        values = {
            **{name: getattr(data.measurements, name) for name in RULES},
            "actions": check_actions(data.actions),
            "parts": check_parts(data.parts, quotes),
            "time_spent_minutes": check_time_spent(data.time_spent_minutes),
            "notes": check_notes(data.notes),
        }
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await reportable_intervention(repo, intervention_id, for_update=True)
            if row.status != Status.IN_PROGRESS:
                raise FailedPrecondition(
                    "start the intervention before reporting", fields={"status": row.status}
                )
            previous = await repo.report(row.id)
            # The doses applied from the water test stay whatever parts the phone sends.
            doses = [p for p in (previous.parts if previous else []) if p.get("water_dose")]
            await repo.save_report(row.id, {**values, "parts": values["parts"] + doses})
            await repo.update_intervention(row.id, {})
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await view(repo, updated, self.clock.now())

    async def complete(self, intervention_id: str, completion: Completion) -> InterventionView:
        now = self.clock.now()
        completed_at = completion.completed_at or now
        if completed_at > now + CLOCK_TOLERANCE:
            raise InvalidArgument(
                "completion cannot be in the future", fields={"completed_at": "in the future"}
            )
        check_completion(completion)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await reportable_intervention(repo, intervention_id)
            if row.status != Status.IN_PROGRESS:
                raise FailedPrecondition(
                    "start the intervention before completing it", fields={"status": row.status}
                )
            assert row.started_at is not None
            if completed_at < row.started_at:
                raise InvalidArgument(
                    "completion is before the start", fields={"completed_at": "before started_at"}
                )
            report = await repo.report(row.id)
            await check_visit_checklist(session, row)
            water_lines, water_notes = water_section(
                await WaterRepository(session).visit_readings(row.id)
            )
            photos = (
                await report_photos(session, self.photo_store, row.id) if self.photo_store else []
            )
        measurements = measurements_of(report)
        warnings = check_measurements(measurements)
        time_spent = (report.time_spent_minutes if report else None) or max(
            1, round((completed_at - row.started_at).total_seconds() / 60)
        )
        document = replace(
            report_document(
                row, report, measurements, warnings, completion, completed_at, time_spent
            ),
            water_lines=water_lines,
            water_notes=water_notes,
            photos=[PhotoThumbnail(p.caption, p.jpeg) for p in photos],
        )
        pdf = await self.renderer.render(document)
        next_visit = await self._next_occurrence(row, completed_at)
        digest = hashlib.sha256(pdf).hexdigest()
        filename = f"rapport-{local_day(completed_at).isoformat()}-{str(row.id)[:8]}.pdf"
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            locked = await repo.intervention(row.id, for_update=True)
            current_report = await repo.report(row.id)
            if locked is None or locked.version != row.version or current_report != report:
                raise Conflict("the intervention changed while completing it; try again")
            await repo.save_report(row.id, signature_values(completion, time_spent))
            await repo.update_intervention(
                row.id, {"status": Status.COMPLETED, "completed_at": completed_at}
            )
            await repo.insert_report_document(row.id, filename, pdf, digest)
            events.add(
                "intervention.intervention.completed",
                "intervention",
                row.id,
                completed_payload(row, report, completed_at, time_spent),
            )
            if next_visit is not None:
                await self._move_next_visit(repo, row, next_visit, events)
            await repo.add_events(events.items)
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await view(repo, updated, now)

    async def _next_occurrence(
        self, row: InterventionRow, completed_at: datetime
    ) -> PlanOccurrence | None:
        if row.kind != Kind.PREVENTIVE or not row.next_from_completion or not row.plan_id:
            return None
        try:
            return await self.contracts.next_occurrence(row.plan_id, local_day(completed_at))
        except DomainError as error:
            # The report must not be lost for this: the next visit keeps its calendar date.
            log.warning("next visit of plan %s not recomputed: %s", row.plan_id, error.message)
            return None

    @staticmethod
    async def _move_next_visit(
        repo: InterventionRepository,
        done: InterventionRow,
        occurrence: PlanOccurrence,
        events: Events,
    ) -> None:
        following = await repo.next_pending_visit(done)
        if following is None or following.planned_date == occurrence.day:
            return
        values: dict[str, Any] = {
            "planned_date": occurrence.day,
            "window_start_minute": occurrence.window_start,
            "window_end_minute": occurrence.window_end,
            "status": Status.SCHEDULED,
        }
        if following.scheduled_start is not None:
            values |= {"technician_id": None, "scheduled_start": None, "scheduled_end": None}
        await repo.update_intervention(following.id, values)
        moved = await repo.intervention(following.id)
        assert moved is not None
        appointment_events(following, moved, events)

    async def report_pdf(self, intervention_id: str) -> ReportPdf:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await visible_intervention(repo, intervention_id)
            document = await repo.report_document(row.id)
        if document is None:
            raise NotFound("the report PDF exists once the intervention is completed")
        return ReportPdf(document.filename, document.pdf, document.sha256)
