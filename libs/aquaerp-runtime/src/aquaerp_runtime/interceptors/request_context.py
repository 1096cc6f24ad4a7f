"""Request id, trace context, deadline and end-user address of the incoming call."""

from __future__ import annotations

import time
from typing import Any

import grpc

from ..context import (
    TraceContext,
    client_ip_var,
    deadline_var,
    new_request_id,
    request_id_var,
    trace_var,
)
from . import CallInfo, Handler


class RequestContextInterceptor:
    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any:
        request_id_var.set(call.metadata.get("x-request-id") or new_request_id())
        parent = TraceContext.parse(call.metadata.get("traceparent", ""))
        trace_var.set(parent.child() if parent else TraceContext.new())
        remaining = context.time_remaining()
        deadline_var.set(time.monotonic() + remaining if remaining is not None else None)
        # Set by the authentication interceptor, once it knows whether the caller may tell it.
        client_ip_var.set("")
        return await proceed(request, context)
