"""gRPC edge of the customer's service report summary: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import date_message, timestamp

from .service_report import ServiceReports


class ServiceReportServicer:
    """Mixed into the intervention servicer."""

    service_reports: ServiceReports

    async def GetServiceReport(
        self, request: pb.GetServiceReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.ServiceReport:
        found = await self.service_reports.service_report(request.intervention_id)
        return pb.ServiceReport(
            intervention_id=found.intervention_id,
            customer_id=found.customer_id,
            site_name=found.site_name,
            visit_label=found.visit_label,
            technician_name=found.technician_name,
            readings=[
                pb.ServiceReportReading(
                    label=r.label, value=r.value, unit=r.unit, target=r.target, level=r.level
                )
                for r in found.readings
            ],
            water_balance=found.water_balance,
            products=found.products,
            checklist=[
                pb.ServiceReportChecklistItem(label=c.label, checked=c.checked, reason=c.reason)
                for c in found.checklist
            ],
            actions=found.actions,
            technician_note=found.technician_note,
            customer_signer_name=found.customer_signer_name,
            completion_time=timestamp(found.completed_at),
            next_visit_date=date_message(found.next_visit_date),
        )
