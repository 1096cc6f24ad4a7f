"""ASGI middleware: request id and trace context for every HTTP request, echoed in headers,
and the end user's address.

The address is the TCP peer's, unless that peer is one of the trusted proxies (CIDR list, e.g.
the ingress controller's pod network): then it is the right-most `X-Forwarded-For` entry that
is not itself a trusted proxy. An `X-Forwarded-For` from anyone else is ignored, so a client
cannot choose the address its requests are throttled and audited under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aquaerp_runtime.context import (
    TraceContext,
    client_ip_var,
    new_request_id,
    request_id_var,
    trace_var,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> list[Network]:
    """ "10.0.0.0/8, 192.168.1.7" -> networks (a bare address is a /32 or /128)."""
    return [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    ]


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str, trusted: list[Network]) -> str:
    if not trusted or not _trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the proxy's client: keep the proxy's own address
    return peer


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, trusted_proxies: str = "") -> None:
        self.app = app
        self.trusted = parse_networks(trusted_proxies)

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
        client_ip_var.set(
            client_address(
                client[0] if client else "", headers.get("x-forwarded-for", ""), self.trusted
            )
        )

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
