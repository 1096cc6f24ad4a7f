"""gRPC client channels: round-robin over the replicas that report SERVING, retries on
UNAVAILABLE only, a deadline on every call, and the caller's identity, request id and trace
context forwarded in metadata."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from .context import client_ip_var, remaining_budget, request_id_var, trace_var

log = logging.getLogger(__name__)

# Health checking: the channel watches each replica's gRPC health and stops picking one as soon
# as it reports NOT_SERVING, i.e. when it starts draining on SIGTERM (RunningService.stop), so
# that nothing is still arriving when it stops. A call fails at once when no replica is ready (a
# service down answers 503 without waiting for the deadline); retries are safe: reads are
# idempotent and mutating calls carry an idempotency key.
SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    "healthCheckConfig": {"serviceName": ""},
    "methodConfig": [
        {
            "name": [{}],
            "retryPolicy": {
                "maxAttempts": 5,
                "initialBackoff": "0.05s",
                "maxBackoff": "1s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ],
}

MAX_MESSAGE_BYTES = 32 * 1024 * 1024

CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
    ("grpc.enable_retries", 1),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    # Re-resolve quickly when a replica goes away (DNS targets on Kubernetes).
    ("grpc.dns_min_time_between_resolutions_ms", 1_000),
    ("grpc.initial_reconnect_backoff_ms", 100),
    # A replica that comes back on the same address is found within a second.
    ("grpc.max_reconnect_backoff_ms", 1_000),
]

# Returns the bearer token to send, or None for anonymous calls.
Credentials = Callable[[], Awaitable[str | None]]


class OutgoingCallInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Sets the deadline (own default, capped by the incoming call's remaining budget) and
    forwards identity, request id and trace context."""

    def __init__(
        self,
        default_timeout: float,
        credentials: Credentials | None,
        forwarder: Credentials | None = None,
    ) -> None:
        self.default_timeout = default_timeout
        self.credentials = credentials
        # The caller's own service token, vouching for the end user's address when the call
        # carries someone else's token (the gateway): services believe the address only then.
        self.forwarder = forwarder

    async def intercept_unary_unary(
        self,
        continuation: Callable[..., Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        timeout = client_call_details.timeout or self.default_timeout
        budget = remaining_budget()
        if budget is not None:
            timeout = min(timeout, budget)
        metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()))
        keys = {key for key, _ in metadata}
        if self.credentials is not None and "authorization" not in keys:
            token = await self.credentials()
            if token:
                metadata.add("authorization", f"Bearer {token}")
        if (request_id := request_id_var.get()) and "x-request-id" not in keys:
            metadata.add("x-request-id", request_id)
        if (trace := trace_var.get()) is not None:
            metadata.add("traceparent", trace.child().header())
            _add_sentry_headers(metadata)
        if (client_ip := client_ip_var.get()) and "x-client-ip" not in keys:
            metadata.add("x-client-ip", client_ip)
            if self.forwarder is not None and (vouching := await self._vouching()):
                metadata.add("x-forwarder-authorization", f"Bearer {vouching}")
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            timeout,
            metadata,
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)

    async def _vouching(self) -> str | None:
        assert self.forwarder is not None
        try:
            return await self.forwarder()
        except Exception as error:  # the call goes on; the address is then not believed
            log.warning("no service token to vouch for the client address: %s", error)
            return None


def _add_sentry_headers(metadata: grpc.aio.Metadata) -> None:
    import sentry_sdk

    if not sentry_sdk.is_initialized():
        return
    for key, value in sentry_sdk.get_current_scope().iter_trace_propagation_headers():
        metadata.add(key.lower(), value)


def create_channel(
    target: str,
    *,
    default_timeout: float = 10.0,
    credentials: Credentials | None = None,
    forwarder: Credentials | None = None,
) -> grpc.aio.Channel:
    """A channel to `target` ("ipv4:127.0.0.1:p1,127.0.0.1:p2", "dns:///auth-headless:50051").
    `forwarder`: this process's service token, sent with the end user's address it forwards."""
    return grpc.aio.insecure_channel(
        target,
        options=CHANNEL_OPTIONS,
        interceptors=[OutgoingCallInterceptor(default_timeout, credentials, forwarder)],
    )


class ServiceTokenProvider:
    """Fetches this service's access token with its client id and secret, and renews it before
    it expires."""

    def __init__(self, fetch: Callable[[], Awaitable[tuple[str, int]]], *, margin: float = 60.0):
        self._fetch = fetch
        self.margin = margin
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self) -> str | None:
        if time.monotonic() < self._expires_at - self.margin:
            return self._token
        async with self._lock:
            if time.monotonic() >= self._expires_at - self.margin:
                token, expires_in = await self._fetch()
                self._token = token
                self._expires_at = time.monotonic() + expires_in
        return self._token
