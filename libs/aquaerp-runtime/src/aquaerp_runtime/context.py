"""Per-call context carried through a service: request id, trace, caller, deadline."""

from __future__ import annotations

import contextvars
import os
import secrets
import time
from dataclasses import dataclass, field

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
trace_var: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar(
    "trace", default=None
)
principal_var: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "principal", default=None
)
access_token_var: contextvars.ContextVar[str] = contextvars.ContextVar("access_token", default="")
# Monotonic time by which the current incoming call must answer; None when it has no deadline.
deadline_var: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "deadline", default=None
)
# Client address of the end user (set by the gateway), for throttling and audit.
client_ip_var: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")


def new_request_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class TraceContext:
    """W3C trace context: one trace id for the whole request, one span id per hop."""

    trace_id: str
    span_id: str
    sampled: bool = True

    @classmethod
    def new(cls) -> TraceContext:
        return cls(trace_id=os.urandom(16).hex(), span_id=os.urandom(8).hex())

    @classmethod
    def parse(cls, traceparent: str) -> TraceContext | None:
        parts = traceparent.strip().split("-")
        if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
            return None
        try:
            int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
        except ValueError:
            return None
        return cls(trace_id=parts[1], span_id=parts[2], sampled=parts[3] == "01")

    def child(self) -> TraceContext:
        return TraceContext(self.trace_id, os.urandom(8).hex(), self.sampled)

    def header(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or a service account, with the roles from the access token."""

    subject: str
    roles: frozenset[str]
    session_id: str = ""
    customer_id: str = ""
    claims: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def is_service(self) -> bool:
        return "service" in self.roles

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def remaining_budget() -> float | None:
    deadline = deadline_var.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())
