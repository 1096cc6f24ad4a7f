"""A customer's marketing consent and own address, asked of contrat (which records the consent)
with this service's account: marketing e-mails go only to customers who agreed to them."""

from __future__ import annotations

import grpc
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument, Unavailable

from .service import MarketingConsent


class ContratConsents:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._contrat = contrat_pb2_grpc.ContratServiceStub(channel)

    async def marketing(self, customer_id: str) -> MarketingConsent:
        try:
            customer = await self._contrat.GetCustomer(
                contrat_pb2.GetCustomerRequest(id=customer_id)
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise InvalidArgument(
                    "unknown customer", fields={"customer_id": "client inconnu"}
                ) from None
            raise Unavailable(
                f"the customer's consent could not be read: {error.details() or error.code().name}"
            ) from None
        addresses = {customer.billing_email.strip().lower()} - {""}
        return MarketingConsent(
            bool(customer.marketing_consent),
            frozenset(addresses),
            bool(customer.service_report_opt_out),
        )
