"""gRPC edge of the stops that could not be done: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import enum_map, optional_datetime, timestamp

from .messages import intervention_message
from .stop_not_done import FollowUp, StopReason, StopReport, StopResult, StopService
from .stop_repository import StopSettingsRow

REASONS = enum_map(pb.StopNotDoneReason, StopReason)
FOLLOW_UPS = enum_map(pb.StopFollowUp, FollowUp)


def stop_message(result: StopResult) -> pb.StopNotDone:
    stop = result.stop
    message = pb.StopNotDone(
        intervention_id=str(stop.intervention_id),
        reason=REASONS.to_proto(StopReason(stop.reason)),
        note=stop.note,
        photo_ids=stop.photo_ids,
        report_time=timestamp(stop.reported_at),
        follow_up=FOLLOW_UPS.to_proto(FollowUp(stop.follow_up)),
        customer_notified=stop.customer_notified,
    )
    if result.follow_up is not None:
        message.follow_up_visit.CopyFrom(intervention_message(result.follow_up))
    return message


def settings_message(row: StopSettingsRow) -> pb.StopSettings:
    return pb.StopSettings(
        carry_over_automatically=row.carry_over_automatically,
        notify_customer=row.notify_customer,
    )


class StopServicer:
    """Mixed into the intervention servicer."""

    stops: StopService

    async def ReportStopNotDone(
        self, request: pb.ReportStopNotDoneRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopNotDone:
        report = StopReport(
            reason=REASONS.to_python(request.reason, "reason"),
            note=request.note,
            photo_ids=list(request.photo_ids),
            reported_at=optional_datetime(request, "report_time"),
        )
        return stop_message(await self.stops.report(request.intervention_id, report))

    async def GetStopNotDone(
        self, request: pb.GetStopNotDoneRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopNotDone:
        return stop_message(await self.stops.get(request.intervention_id))

    async def GetStopSettings(
        self, request: pb.GetStopSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopSettings:
        return settings_message(await self.stops.settings())

    async def UpdateStopSettings(
        self, request: pb.UpdateStopSettingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopSettings:
        row = await self.stops.update_settings(
            request.carry_over_automatically, request.notify_customer
        )
        return settings_message(row)
