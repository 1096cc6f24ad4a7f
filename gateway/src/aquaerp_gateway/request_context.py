"""ASGI middleware: request id and trace context for every HTTP request, echoed in headers."""

from __future__ import annotations

from aquaerp_runtime.context import (
    TraceContext,
    client_ip_var,
    new_request_id,
    request_id_var,
    trace_var,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else new_request_id()
        )
        request_id_var.set(request_id)
        parent = TraceContext.parse(headers.get("traceparent", ""))
        trace = parent.child() if parent else TraceContext.new()
        trace_var.set(trace)
        client = scope.get("client")
        client_ip_var.set(client[0] if client else "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                    (b"traceparent", trace.header().encode("latin-1")),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
