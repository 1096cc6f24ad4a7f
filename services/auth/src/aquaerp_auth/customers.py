"""Whether a customer exists, asked of contrat: a `client` user or API key must be linked to a
real customer (a typo would give an account that sees nothing, or later someone else's data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument, Unavailable

UNKNOWN = "client inconnu"


class ContratCustomers:
    """Over a channel carrying auth's own service token."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._contrat = contrat_pb2_grpc.ContratServiceStub(channel)

    async def check(self, customer_id: str) -> None:
        try:
            await self._contrat.GetCustomer(contrat_pb2.GetCustomerRequest(id=customer_id))
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise InvalidArgument("unknown customer", fields={"customer_id": UNKNOWN}) from None
            raise Unavailable(
                f"the customer could not be checked: {error.details() or error.code().name}"
            ) from None


async def any_customer(customer_id: str) -> None:
    """Accepts every customer id (auth run without contrat: its own tests)."""


CustomerCheck = Callable[[str], Awaitable[None]]
