"""Server-side call interceptors, one concern each, composed by `ChainInterceptor`.

Each interceptor is `async (request, context, call, proceed) -> response`. They wrap unary
handlers; streaming methods (reflection, health Watch) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


@dataclass(frozen=True)
class CallInfo:
    full_method: str
    service: str
    method: str
    metadata: dict[str, str]

    @classmethod
    def from_details(cls, details: grpc.HandlerCallDetails) -> CallInfo:
        full_method = details.method
        service, _, method = full_method.lstrip("/").rpartition("/")
        metadata = {m.key: m.value for m in details.invocation_metadata or ()}
        return cls(full_method, service, method, metadata)


class CallInterceptor(Protocol):
    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any: ...


def _bind(interceptor: CallInterceptor, call: CallInfo, inner: Handler) -> Handler:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await interceptor(request, context, call, inner)

    return handler


class ChainInterceptor(grpc.aio.ServerInterceptor):
    """Applies `interceptors` outermost first around every unary-unary handler."""

    def __init__(self, interceptors: Sequence[CallInterceptor]) -> None:
        self.interceptors = list(interceptors)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        call = CallInfo.from_details(handler_call_details)
        wrapped: Handler = handler.unary_unary
        for interceptor in reversed(self.interceptors):
            wrapped = _bind(interceptor, call, wrapped)
        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
