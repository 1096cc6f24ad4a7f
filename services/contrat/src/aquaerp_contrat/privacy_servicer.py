"""gRPC edge of the customer's GDPR rights (export, erasure, retention), served with the rest
of the contrat API."""

from __future__ import annotations

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_runtime.convert import optional_date, timestamp
from aquaerp_runtime.personal_data import retention_response

from .messages import customer_message
from .privacy import CustomerPrivacy
from .service import ContratService
from .servicer import ContratServicer


class ContratApi(ContratServicer):
    """The contrat API: the servicer of the records plus the personal-data rights (marketing
    consent and erasure time on every customer it answers)."""

    def __init__(self, service: ContratService, privacy: CustomerPrivacy) -> None:
        super().__init__(service)
        self.privacy = privacy

    async def _with_privacy(self, *messages: pb.Customer) -> None:
        consents = await self.privacy.consents([m.id for m in messages])
        for message in messages:
            consent = consents.get(message.id)
            if consent is None:
                continue
            message.marketing_consent = consent.marketing
            message.marketing_consent_source = consent.source
            message.service_report_opt_out = consent.service_report_opt_out
            if consent.changed_at is not None:
                message.marketing_consent_time.FromDatetime(consent.changed_at)
            if consent.erased_at is not None:
                message.erase_time.FromDatetime(consent.erased_at)

    async def CreateCustomer(
        self, request: pb.CreateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        customer = await super().CreateCustomer(request, context)
        await self.privacy.record_consent(
            customer.id,
            request.customer.marketing_consent,
            request.customer.marketing_consent_source,
            request.customer.service_report_opt_out,
        )
        await self._with_privacy(customer)
        return customer

    async def UpdateCustomer(
        self, request: pb.UpdateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        customer = await super().UpdateCustomer(request, context)
        await self.privacy.record_consent(
            customer.id,
            request.customer.marketing_consent,
            request.customer.marketing_consent_source,
            request.customer.service_report_opt_out,
        )
        await self._with_privacy(customer)
        return customer

    async def GetCustomer(
        self, request: pb.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        customer = await super().GetCustomer(request, context)
        await self._with_privacy(customer)
        return customer

    async def ListCustomers(
        self, request: pb.ListCustomersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCustomersResponse:
        response = await super().ListCustomers(request, context)
        await self._with_privacy(*response.customers)
        return response

    async def ArchiveCustomer(
        self, request: pb.ArchiveCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        customer = await super().ArchiveCustomer(request, context)
        await self._with_privacy(customer)
        return customer

    async def RestoreCustomer(
        self, request: pb.RestoreCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        customer = await super().RestoreCustomer(request, context)
        await self._with_privacy(customer)
        return customer

    async def ExportCustomerPersonalData(
        self, request: pb.ExportCustomerPersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> pb.CustomerPersonalData:
        export = await self.privacy.export_customer(request.id)
        return pb.CustomerPersonalData(
            customer_id=export.customer_id,
            customer_code=export.customer_code,
            export_time=timestamp(export.exported_at),
            parts=export.parts,
        )

    async def EraseCustomer(
        self, request: pb.EraseCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.Customer:
        erasure = await self.privacy.erase_customer(request.id, request.reason)
        message = customer_message(await self.parties.get_customer(str(erasure.customer_id)))
        await self._with_privacy(message)
        return message

    async def ExportPersonalData(
        self, request: common_pb2.ExportPersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.PersonalDataExport:
        return await self.privacy.own_records(request.customer_id)

    async def ApplyRetention(
        self, request: common_pb2.ApplyRetentionRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ApplyRetentionResponse:
        removed = await self.privacy.apply_retention(optional_date(request, "as_of"))
        return retention_response(removed)
