"""gRPC edge of the water chemistry and the checklists: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import optional_date, timestamp

from .checklist_service import ChecklistService
from .messages import intervention_message
from .water_messages import (
    PARAMETERS,
    VISIT_TYPES,
    checklist_message,
    dose_inputs,
    item_states,
    photometer_message,
    profile_input,
    profile_message,
    range_message,
    reading_inputs,
    target_ranges,
    template_items,
    template_message,
    water_test_message,
)
from .water_service import WaterService
from .water_targets import Target


class WaterServicer:
    """Mixed into the intervention servicer."""

    water: WaterService
    checklists: ChecklistService

    async def ListVisitInstallations(
        self, request: pb.ListVisitInstallationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListVisitInstallationsResponse:
        found = await self.water.visit_installations(request.intervention_id)
        return pb.ListVisitInstallationsResponse(
            installations=[
                pb.VisitInstallation(
                    installation_id=i.installation_id, name=i.name, spa=i.spa, volume_m3=i.volume_m3
                )
                for i in found
            ]
        )

    async def SetWaterProfile(
        self, request: pb.SetWaterProfileRequest, context: grpc.aio.ServicerContext
    ) -> pb.WaterProfile:
        view = await self.water.set_profile(request.installation_id, profile_input(request.profile))
        return profile_message(view)

    async def GetWaterProfile(
        self, request: pb.GetWaterProfileRequest, context: grpc.aio.ServicerContext
    ) -> pb.WaterProfile:
        return profile_message(await self.water.get_profile(request.installation_id))

    async def SetWaterTargets(
        self, request: pb.SetWaterTargetsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetWaterTargetsResponse:
        ranges = await self.water.set_targets(
            request.site_id, request.installation_id, target_ranges(list(request.targets))
        )
        return pb.SetWaterTargetsResponse(
            targets=[range_message(p, Target(lo, hi, "")) for p, (lo, hi) in ranges.items()]
        )

    async def SetPhotometer(
        self, request: pb.SetPhotometerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Photometer:
        row = await self.water.set_photometer(
            request.serial,
            request.photometer.model,
            optional_date(
                request.photometer, "last_calibrated_on", "photometer.last_calibrated_on"
            ),
        )
        ((_, overdue),) = [
            m for m in await self.water.photometers(False) if m[0].serial == row.serial
        ]
        return photometer_message(row, overdue)

    async def ListPhotometers(
        self, request: pb.ListPhotometersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPhotometersResponse:
        found = await self.water.photometers(request.overdue_only)
        return pb.ListPhotometersResponse(
            photometers=[photometer_message(row, overdue) for row, overdue in found]
        )

    async def RecordWaterReadings(
        self, request: pb.RecordWaterReadingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.WaterTest:
        view = await self.water.record_readings(
            request.intervention_id,
            request.installation_id,
            reading_inputs(list(request.readings)),
            request.cover_on,
        )
        return water_test_message(view)

    async def GetWaterTest(
        self, request: pb.GetWaterTestRequest, context: grpc.aio.ServicerContext
    ) -> pb.WaterTest:
        view = await self.water.water_test(request.intervention_id, request.installation_id)
        return water_test_message(view)

    async def GetWaterTrend(
        self, request: pb.GetWaterTrendRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWaterTrendResponse:
        parameter = PARAMETERS.to_python(request.parameter, "parameter")
        points, target = await self.water.trend(request.installation_id, parameter, request.visits)
        response = pb.GetWaterTrendResponse(
            points=[
                pb.TrendPoint(
                    intervention_id=str(p.intervention_id),
                    taken_at=timestamp(p.taken_at),
                    value=p.value,
                    flags=p.flags,
                )
                for p in points
            ]
        )
        if target is not None:
            response.target.CopyFrom(range_message(parameter, target))
        return response

    async def ApplyDoses(
        self, request: pb.ApplyDosesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ApplyDosesResponse:
        test, visit = await self.water.apply_doses(
            request.intervention_id, request.installation_id, dose_inputs(list(request.doses))
        )
        return pb.ApplyDosesResponse(
            water_test=water_test_message(test), intervention=intervention_message(visit)
        )

    async def SetChecklistTemplate(
        self, request: pb.SetChecklistTemplateRequest, context: grpc.aio.ServicerContext
    ) -> pb.ChecklistTemplate:
        visit_type = VISIT_TYPES.to_python(request.visit_type, "visit_type")
        items = await self.checklists.set_template(visit_type, template_items(list(request.items)))
        return template_message(visit_type, items)

    async def ListChecklistTemplates(
        self, request: pb.ListChecklistTemplatesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListChecklistTemplatesResponse:
        templates = await self.checklists.templates()
        return pb.ListChecklistTemplatesResponse(
            templates=[template_message(t, items) for t, items in templates.items()]
        )

    async def SaveChecklist(
        self, request: pb.SaveChecklistRequest, context: grpc.aio.ServicerContext
    ) -> pb.VisitChecklist:
        checklist = await self.checklists.save(
            request.intervention_id,
            VISIT_TYPES.optional(request.visit_type),
            item_states(list(request.states)),
        )
        return checklist_message(checklist)

    async def GetChecklist(
        self, request: pb.GetChecklistRequest, context: grpc.aio.ServicerContext
    ) -> pb.VisitChecklist:
        return checklist_message(await self.checklists.get(request.intervention_id))
