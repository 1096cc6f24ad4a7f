"""Personal data held by intervention (GDPR): export and erasure of one customer's visits and
reports, and the retention of the technicians' location data.

A finished visit records where a technician was and when: the site's coordinates are kept one
year after the visit (enough for disputes on the routes and the SLA), then removed; the visit
itself stays as proof of the service. The customer's signature image is kept three years.
The photos of a customer's visits show their home: they are exported with the reports and
erased with the customer.
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
    ERASED_TEXT,
    Scrubber,
    changed_rows,
    records_json,
    retention_response,
    rows_of,
    scrub_table,
)
from sqlalchemy import delete, func, select, update

from .assignment_service import AssignmentService
from .checklist_service import ChecklistService
from .models import interventions, outbox, report_documents, reports, stops_not_done
from .photo_repository import PhotoRepository
from .photo_store import PhotoStore
from .report_service import ReportService
from .servicer import InterventionServicer
from .technician_service import TechnicianService
from .visit_service import VisitService
from .water_service import WaterService

ERASED_SITE_NAME = "Site effacé"
LOCATION_RETENTION = timedelta(days=365)
SIGNATURE_RETENTION = timedelta(days=3 * 365)


class InterventionPersonalData:
    def __init__(self, database: Database, clock: Clock, photo_store: PhotoStore) -> None:
        self.database = database
        self.clock = clock
        self.photo_store = photo_store

    async def export(self, customer_id: str) -> common_pb2.PersonalDataExport:
        require_roles()
        ids = select(interventions.c.id).where(interventions.c.customer_id == customer_id)
        report_columns = [
            c
            for c in reports.c
            if c.name not in ("customer_signature_png", "technician_signature_png")
        ]
        async with self.database.unit_of_work() as session:
            records = {
                "interventions": await rows_of(
                    session, select(interventions).where(interventions.c.customer_id == customer_id)
                ),
                "reports": await rows_of(
                    session, select(*report_columns).where(reports.c.intervention_id.in_(ids))
                ),
                "stops_not_done": await rows_of(
                    session, select(stops_not_done).where(stops_not_done.c.intervention_id.in_(ids))
                ),
            }
            pdfs = (
                await session.execute(
                    select(report_documents.c.filename, report_documents.c.pdf).where(
                        report_documents.c.intervention_id.in_(ids)
                    )
                )
            ).all()
            photos = [
                common_pb2.PersonalDocument(
                    file_name=f"photos/{photo.intervention_id}/{photo.id}.{photo.content_type.split('/')[-1]}",
                    content_type=photo.content_type,
                    content=content,
                )
                for photo in await PhotoRepository(session).customer_photos(customer_id)
                if (content := await self.photo_store.get(session, photo.storage_key)) is not None
            ]
        return common_pb2.PersonalDataExport(
            service="intervention",
            records_json=records_json(records),
            documents=[
                common_pb2.PersonalDocument(
                    file_name=f"rapports/{name}", content_type="application/pdf", content=pdf
                )
                for name, pdf in pdfs
            ]
            + photos,
        )

    async def erase(
        self, request: common_pb2.ErasePersonalDataRequest
    ) -> common_pb2.ErasePersonalDataResponse:
        require_roles()
        customer_id = request.customer_id
        scrubber = Scrubber(list(request.personal_values), ERASED_TEXT)
        ids = select(interventions.c.id).where(interventions.c.customer_id == customer_id)
        changed = 0
        async with self.database.unit_of_work() as session:
            result = await session.execute(
                update(interventions)
                .where(
                    interventions.c.customer_id == customer_id,
                    interventions.c.site_name != ERASED_SITE_NAME,
                )
                .values(
                    site_name=ERASED_SITE_NAME,
                    site_address={},
                    site_latitude=None,
                    site_longitude=None,
                    access_notes="",
                    gate_code="",
                )
            )
            changed += changed_rows(result)
            result = await session.execute(
                update(reports)
                .where(
                    reports.c.intervention_id.in_(ids),
                    reports.c.customer_signer_name.is_not(None)
                    | reports.c.customer_signature_png.is_not(None),
                )
                .values(customer_signer_name=None, customer_signature_png=None)
            )
            changed += changed_rows(result)
            # The PDFs print the customer; the visit and its report stay, without them.
            result = await session.execute(
                delete(report_documents).where(report_documents.c.intervention_id.in_(ids))
            )
            changed += changed_rows(result)
            photos = PhotoRepository(session)
            for photo in await photos.customer_photos(customer_id):
                await photos.delete_photo(photo.id)
                await self.photo_store.delete(session, photo.storage_key)
                await self.photo_store.delete(session, photo.thumbnail_key)
                changed += 1
            for table, columns, where in (
                (
                    interventions,
                    ("label", "problem_description", "cancel_reason"),
                    interventions.c.customer_id == customer_id,
                ),
                (
                    reports,
                    ("notes", "actions", "parts", "customer_absence_reason"),
                    reports.c.intervention_id.in_(ids),
                ),
                (stops_not_done, ("note",), stops_not_done.c.intervention_id.in_(ids)),
                (outbox, ("payload",), None),
            ):
                changed += await scrub_table(session, table, columns, scrubber, where)
        return common_pb2.ErasePersonalDataResponse(rows_changed=changed)

    async def apply_retention(self, as_of: date | None) -> dict[str, int]:
        require_roles()
        day = as_of or self.clock.today()
        midnight = datetime.combine(day, datetime.min.time(), BUSINESS_TZ)
        finished = func.coalesce(interventions.c.completed_at, interventions.c.cancelled_at)
        async with self.database.unit_of_work() as session:
            locations = await session.execute(
                update(interventions)
                .where(
                    finished < midnight - LOCATION_RETENTION,
                    interventions.c.site_latitude.is_not(None)
                    | interventions.c.site_longitude.is_not(None),
                )
                .values(site_latitude=None, site_longitude=None)
            )
            signed = select(interventions.c.id).where(
                interventions.c.completed_at < midnight - SIGNATURE_RETENTION
            )
            signatures = await session.execute(
                update(reports)
                .where(
                    reports.c.intervention_id.in_(signed),
                    reports.c.customer_signature_png.is_not(None),
                )
                .values(customer_signature_png=None)
            )
        return {"visit_locations": changed_rows(locations), "signatures": changed_rows(signatures)}


class InterventionApi(InterventionServicer):
    """The intervention API plus the personal-data RPCs."""

    def __init__(
        self,
        technicians: TechnicianService,
        visits: VisitService,
        assignments: AssignmentService,
        reports: ReportService,
        personal_data: InterventionPersonalData,
        water: WaterService,
        checklists: ChecklistService,
    ) -> None:
        super().__init__(technicians, visits, assignments, reports, water, checklists)
        self.personal_data = personal_data

    async def ExportPersonalData(
        self, request: common_pb2.ExportPersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.PersonalDataExport:
        return await self.personal_data.export(request.customer_id)

    async def ErasePersonalData(
        self, request: common_pb2.ErasePersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ErasePersonalDataResponse:
        return await self.personal_data.erase(request)

    async def ApplyRetention(
        self, request: common_pb2.ApplyRetentionRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ApplyRetentionResponse:
        removed = await self.personal_data.apply_retention(optional_date(request, "as_of"))
        return retention_response(removed)
