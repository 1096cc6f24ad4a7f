"""/api/v1 field-work routes that are not plain RPC calls: the calendar feed (its URL is built
here, and the feed itself is iCalendar text behind an unguessable token) and the report PDF.
Every other intervention route comes from the `google.api.http` rules of intervention.proto."""

from __future__ import annotations

from typing import Annotated

from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, TECHNICIEN
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from ..security import require

router = APIRouter(tags=["intervention"])

FIELD = Depends(require(ADMIN, BUREAU, TECHNICIEN))
READERS = Depends(require(ADMIN, BUREAU, COMPTA, TECHNICIEN, CLIENT))
# A path id; each use gets its own Path() (a shared one would keep the first alias).
PathId = Annotated[str, Path(max_length=64)]


class CalendarFeed(BaseModel):
    token: str
    url: str = Field(description="Subscribe to this URL from a phone's calendar; keep it private")


def _stub(request: Request) -> intervention_pb2_grpc.InterventionServiceStub:
    stub: intervention_pb2_grpc.InterventionServiceStub = request.app.state.clients.stub(
        "intervention", intervention_pb2_grpc.InterventionServiceStub
    )
    return stub


async def _rotate(request: Request, technician_id: str) -> CalendarFeed:
    answer = await _stub(request).RotateCalendarToken(
        pb.RotateCalendarTokenRequest(technician_id=technician_id)
    )
    url = str(request.url_for("calendar_feed", token=answer.token))
    return CalendarFeed(token=answer.token, url=url)


@router.post(
    "/technicians/{technician_id}/calendar-feed",
    dependencies=[FIELD],
    summary="New calendar feed URL (the previous one stops working)",
)
async def rotate_calendar_token(request: Request, technician_id: PathId) -> CalendarFeed:
    return await _rotate(request, technician_id)


@router.post("/me/calendar-feed", dependencies=[FIELD], summary="New URL for my calendar feed")
async def rotate_my_calendar_token(request: Request) -> CalendarFeed:
    return await _rotate(request, "")


@router.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    summary="A technician's iCalendar feed; no login: the unguessable token is the credential",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calendar_feed(
    request: Request, token: str = Path(min_length=20, max_length=200)
) -> Response:
    feed = await _stub(request).GetCalendarFeed(pb.GetCalendarFeedRequest(token=token))
    return Response(
        feed.ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.get(
    "/interventions/{intervention_id}/report.pdf",
    summary="The report PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    dependencies=[READERS],
)
async def report_pdf(request: Request, intervention_id: PathId) -> Response:
    document = await _stub(request).GetReportPdf(pb.GetReportPdfRequest(id=intervention_id))
    return Response(
        document.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "ETag": f'"{document.sha256}"',
        },
    )
