"""gRPC edge of the bulk import: requests to the import service and back, nothing else."""

from __future__ import annotations

from typing import Any

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.convert import timestamp
from google.api import httpbody_pb2

from .import_mappings import FIELDS
from .service.imports import CUSTOMER_MODE, FILE_MODE, Imports, MappingView, job_errors_shown

MODES = {pb.IMPORT_MODE_FILE: FILE_MODE, pb.IMPORT_MODE_CUSTOMER: CUSTOMER_MODE}
MODE_NUMBERS = {name: number for number, name in MODES.items()}
STATUS_NUMBERS = {
    "checked": pb.IMPORT_STATUS_CHECKED,
    "invalid": pb.IMPORT_STATUS_INVALID,
    "running": pb.IMPORT_STATUS_RUNNING,
    "done": pb.IMPORT_STATUS_DONE,
    "failed": pb.IMPORT_STATUS_FAILED,
}


def _columns(columns: Any) -> list[tuple[str, str]]:
    return [(c.column, c.field) for c in columns]


def mapping_message(view: MappingView) -> pb.ImportMapping:
    return pb.ImportMapping(
        name=view.name,
        label=view.label,
        preset=view.preset,
        columns=[pb.ImportColumn(column=c, field=f) for c, f in view.columns],
    )


def job_message(job: dict[str, Any]) -> pb.ImportJob:
    message = pb.ImportJob(
        id=str(job["id"]),
        file_name=job["file_name"],
        file_format=job["file_format"],
        status=STATUS_NUMBERS[job["status"]],
        mode=MODE_NUMBERS.get(job["mode"], pb.IMPORT_MODE_UNSPECIFIED),
        columns=[pb.ImportColumn(column=c["column"], field=c["field"]) for c in job["mapping"]],
        rows_total=job["rows_total"],
        rows_done=job["rows_done"],
        rows_failed=job["rows_failed"],
        customers_created=job["customers_created"],
        customers_updated=job["customers_updated"],
        contracts_created=job["contracts_created"],
        contracts_updated=job["contracts_updated"],
        error_count=len(job["errors"]),
        errors=[
            pb.ImportRowError(row=e.row, column=e.column, field=e.field, message=e.message)
            for e in job_errors_shown(job)
        ],
        message=job["message"],
        create_time=timestamp(job["created_at"]),
        finish_time=timestamp(job["finished_at"]),
    )
    return message


class ImportEdge:
    """The import RPCs of ContratService."""

    imports: Imports

    async def CreateImportJob(
        self, request: pb.CreateImportJobRequest, context: grpc.aio.ServicerContext
    ) -> pb.ImportJob:
        job = await self.imports.create_job(
            request.file_name,
            request.content,
            request.mapping_name,
            _columns(request.columns),
            MODES.get(request.mode, FILE_MODE),
        )
        return job_message(job)

    async def GetImportJob(
        self, request: pb.GetImportJobRequest, context: grpc.aio.ServicerContext
    ) -> pb.ImportJob:
        return job_message(await self.imports.get_job(request.id))

    async def StartImport(
        self, request: pb.StartImportRequest, context: grpc.aio.ServicerContext
    ) -> pb.ImportJob:
        return job_message(await self.imports.start_import(request.id))

    async def DownloadImportErrors(
        self, request: pb.GetImportJobRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        content, media_type = await self.imports.annotated_file(request.id)
        return httpbody_pb2.HttpBody(content_type=media_type, data=content)

    async def ListImportMappings(
        self, request: pb.ListImportMappingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListImportMappingsResponse:
        views = await self.imports.mappings()
        return pb.ListImportMappingsResponse(
            mappings=[mapping_message(v) for v in views],
            fields=[pb.ImportField(key=k, label=label) for k, label in FIELDS.items()],
        )

    async def SaveImportMapping(
        self, request: pb.ImportMapping, context: grpc.aio.ServicerContext
    ) -> pb.ImportMapping:
        view = await self.imports.save_mapping(request.name, _columns(request.columns))
        return mapping_message(view)
