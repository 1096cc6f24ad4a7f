"""gRPC edge of the visit photos: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import enum_map, optional_datetime, timestamp

from .photo_repository import PhotoRow
from .photo_service import PhotoService, PhotoUpload
from .photos import PhotoKind

PHOTO_KINDS = enum_map(pb.PhotoKind, PhotoKind)


def photo_message(row: PhotoRow) -> pb.VisitPhoto:
    return pb.VisitPhoto(
        id=str(row.id),
        intervention_id=str(row.intervention_id),
        kind=PHOTO_KINDS.to_proto(PhotoKind(row.kind)),
        checklist_item_key=row.checklist_item_key,
        taken_at=timestamp(row.taken_at),
        uploaded_at=timestamp(row.uploaded_at),
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        width=row.width,
        height=row.height,
        sha256=row.sha256,
    )


class PhotoServicer:
    """Mixed into the intervention servicer."""

    photos: PhotoService

    async def UploadVisitPhoto(
        self, request: pb.UploadVisitPhotoRequest, context: grpc.aio.ServicerContext
    ) -> pb.VisitPhoto:
        row = await self.photos.upload(
            PhotoUpload(
                intervention_id=request.intervention_id,
                photo_id=request.photo_id,
                kind=PHOTO_KINDS.to_python(request.kind, "kind"),
                checklist_item_key=request.checklist_item_key,
                taken_at=optional_datetime(request, "taken_at"),
                content=request.content,
            )
        )
        return photo_message(row)

    async def ListVisitPhotos(
        self, request: pb.ListVisitPhotosRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListVisitPhotosResponse:
        rows = await self.photos.list(request.intervention_id)
        return pb.ListVisitPhotosResponse(photos=[photo_message(r) for r in rows])

    async def GetVisitPhoto(
        self, request: pb.GetVisitPhotoRequest, context: grpc.aio.ServicerContext
    ) -> pb.VisitPhotoContent:
        row, content_type, content = await self.photos.content(
            request.intervention_id, request.photo_id, request.thumbnail
        )
        return pb.VisitPhotoContent(
            photo=photo_message(row), content_type=content_type, content=content
        )

    async def DeleteVisitPhoto(
        self, request: pb.DeleteVisitPhotoRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteVisitPhotoResponse:
        await self.photos.delete(request.intervention_id, request.photo_id)
        return pb.DeleteVisitPhotoResponse()
