"""gRPC edge of the collective pools' health logbook: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import date_message, optional_datetime, timestamp
from aquaerp_runtime.csv_export import CSV_MEDIA_TYPE
from google.api import httpbody_pb2

from .logbook import LABELS, LogbookValues
from .logbook_export import logbook_csv, logbook_document, render_logbook_pdf
from .logbook_repository import LogbookRow
from .logbook_service import BasinMonth, LogbookMonthView, LogbookService
from .report_pdf import ReportRenderer
from .water_targets import UNITS

PDF_MEDIA_TYPE = "application/pdf"


def values_input(message: pb.LogbookEntryInput) -> LogbookValues:
    return LogbookValues(
        free_chlorine=message.free_chlorine_mg_l,
        total_chlorine=message.total_chlorine_mg_l,
        ph=message.ph,
        temperature=message.temperature_c,
        transparent=message.transparent,
        attendance=message.attendance,
        water_added_m3=message.water_added_m3,
        filter_washed=message.filter_washed,
        incident=message.incident.strip(),
    )


def entry_message(row: LogbookRow) -> pb.LogbookEntry:
    return pb.LogbookEntry(
        id=str(row.id),
        installation_id=str(row.installation_id),
        site_id=str(row.site_id),
        taken_at=timestamp(row.taken_at),
        values=pb.LogbookEntryInput(
            taken_at=timestamp(row.taken_at),
            free_chlorine_mg_l=row.free_chlorine,
            total_chlorine_mg_l=row.total_chlorine,
            ph=row.ph,
            temperature_c=row.temperature,
            transparent=row.transparent,
            attendance=row.attendance,
            water_added_m3=row.water_added_m3,
            filter_washed=row.filter_washed,
            incident=row.incident,
        ),
        combined_chlorine_mg_l=round(max(row.total_chlorine - row.free_chlorine, 0.0), 2),
        breaches=row.breaches,
        entered_by_role=row.entered_by_role,
    )


def basin_message(basin: BasinMonth) -> pb.LogbookBasin:
    return pb.LogbookBasin(
        installation_id=basin.installation_id,
        name=basin.name,
        limits=[
            pb.LogbookLimit(label=LABELS[p], unit=UNITS[p], low=t.low, high=t.high)
            for p, t in basin.limits.items()
        ],
        entries=[entry_message(e) for e in basin.entries],
        short_days=[
            pb.LogbookShortDay(date=date_message(day), readings=count)
            for day, count in basin.short_days
        ],
    )


def month_message(view: LogbookMonthView) -> pb.LogbookMonth:
    return pb.LogbookMonth(
        site_id=view.site.site_id,
        site_name=view.site.name,
        year=view.year,
        month=view.month,
        basins=[basin_message(b) for b in view.basins],
    )


class LogbookServicer:
    """Mixed into the intervention servicer."""

    logbook: LogbookService
    pdf_renderer: ReportRenderer

    async def AddLogbookEntry(
        self, request: pb.AddLogbookEntryRequest, context: grpc.aio.ServicerContext
    ) -> pb.LogbookEntry:
        row = await self.logbook.add_entry(
            request.installation_id,
            values_input(request.entry),
            optional_datetime(request.entry, "taken_at"),
        )
        return entry_message(row)

    async def GetLogbookMonth(
        self, request: pb.GetLogbookMonthRequest, context: grpc.aio.ServicerContext
    ) -> pb.LogbookMonth:
        return month_message(await self.logbook.month(request.site_id, request.year, request.month))

    async def ExportLogbookCsv(
        self, request: pb.GetLogbookMonthRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        view = await self.logbook.month(request.site_id, request.year, request.month)
        return httpbody_pb2.HttpBody(content_type=CSV_MEDIA_TYPE, data=logbook_csv(view))

    async def ExportLogbookPdf(
        self, request: pb.GetLogbookMonthRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        view = await self.logbook.month(request.site_id, request.year, request.month)
        pdf = await self.pdf_renderer.run(render_logbook_pdf, logbook_document(view))
        return httpbody_pb2.HttpBody(content_type=PDF_MEDIA_TYPE, data=pdf)
