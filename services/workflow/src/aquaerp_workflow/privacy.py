"""Personal data held by the workflow service (GDPR): the events it received and the runs they
started carry the payloads of the other services' events and the answers of their steps.

Erasure rewrites the person's values in those documents (the ids, types and times stay: they
are the history of what the platform did). Retention: the payloads of events, runs and step
answers are emptied one year after the run finished (or the event arrived); the audit events
of the personal-data rights keep theirs (no personal data in them, only ids and the actor).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, Clock
from aquaerp_runtime.convert import optional_date
from aquaerp_runtime.db import Database
from aquaerp_runtime.personal_data import (
    Scrubber,
    changed_rows,
    records_json,
    retention_response,
    rows_of,
    scrub_table,
)
from sqlalchemy import or_, select, update

from .models import events, runs, step_attempts
from .service import WorkflowService
from .servicer import WorkflowServicer

PAYLOAD_RETENTION = timedelta(days=365)
AUDIT_EVENT_TYPES = ("contrat.customer.erased", "contrat.customer.personal_data_exported")


class WorkflowPersonalData:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def export(self, customer_id: str, values: list[str]) -> common_pb2.PersonalDataExport:
        require_roles()
        scrubber = Scrubber(values, "")
        async with self.database.unit_of_work() as session:
            records = {
                "events": await rows_of(
                    session,
                    select(events).where(
                        or_(
                            events.c.aggregate_id == customer_id,
                            scrubber.sql_filter(events.c.payload),
                        )
                    ),
                ),
                "runs": await rows_of(
                    session,
                    select(runs).where(
                        or_(
                            runs.c.aggregate_id == customer_id,
                            scrubber.sql_filter(runs.c.context),
                            scrubber.sql_filter(runs.c.results),
                        )
                    ),
                ),
            }
        return common_pb2.PersonalDataExport(service="workflow", records_json=records_json(records))

    async def erase(
        self, request: common_pb2.ErasePersonalDataRequest
    ) -> common_pb2.ErasePersonalDataResponse:
        require_roles()
        scrubber = Scrubber(list(request.personal_values), request.pseudonym)
        async with self.database.unit_of_work() as session:
            changed = await scrub_table(session, events, ("payload",), scrubber)
            changed += await scrub_table(session, runs, ("context", "results", "error"), scrubber)
            changed += await scrub_table(session, step_attempts, ("response", "error"), scrubber)
        return common_pb2.ErasePersonalDataResponse(rows_changed=changed)

    async def apply_retention(self, as_of: date | None) -> dict[str, int]:
        require_roles()
        day = as_of or self.clock.today()
        limit = datetime.combine(day, datetime.min.time(), BUSINESS_TZ) - PAYLOAD_RETENTION
        async with self.database.unit_of_work() as session:
            old_events = await session.execute(
                update(events)
                .where(
                    events.c.received_at < limit,
                    events.c.type.not_in(AUDIT_EVENT_TYPES),
                    events.c.payload != {},
                )
                .values(payload={})
            )
            old_runs = await session.execute(
                update(runs)
                .where(
                    runs.c.finished_at < limit,
                    (runs.c.context != {}) | (runs.c.results != {}),
                )
                .values(context={}, results={})
            )
            old_answers = await session.execute(
                update(step_attempts)
                .where(step_attempts.c.finished_at < limit, step_attempts.c.response.is_not(None))
                .values(response=None)
            )
        return {
            "event_payloads": changed_rows(old_events),
            "run_payloads": changed_rows(old_runs),
            "step_answers": changed_rows(old_answers),
        }


class WorkflowApi(WorkflowServicer):
    """The workflow API plus the personal-data RPCs."""

    def __init__(self, service: WorkflowService, personal_data: WorkflowPersonalData) -> None:
        super().__init__(service)
        self.personal_data = personal_data

    async def ExportPersonalData(
        self, request: common_pb2.ExportPersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.PersonalDataExport:
        return await self.personal_data.export(request.customer_id, list(request.personal_values))

    async def ErasePersonalData(
        self, request: common_pb2.ErasePersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ErasePersonalDataResponse:
        return await self.personal_data.erase(request)

    async def ApplyRetention(
        self, request: common_pb2.ApplyRetentionRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ApplyRetentionResponse:
        removed = await self.personal_data.apply_retention(optional_date(request, "as_of"))
        return retention_response(removed)
