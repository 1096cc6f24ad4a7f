"""A small real gRPC service standing in for a downstream service in workflow tests: it
implements mailer's SendInvoiceEmail, records every call (metadata and request), and can be
told to fail or stall a number of times first."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc
from aquaerp.mailer.v1 import mailer_pb2, mailer_pb2_grpc
from aquaerp_runtime.service import ServiceContext, ServiceSpec
from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


@dataclass
class ReceivedCall:
    idempotency_metadata: str
    request: mailer_pb2.SendInvoiceEmailRequest
    caller_roles: tuple[str, ...]


@dataclass
class Behaviour:
    """What the next calls do: fail `failures` times with INTERNAL, stall `stalls` times
    (longer than any test deadline), then succeed after `delay` seconds."""

    failures: int = 0
    stalls: int = 0
    # Failures reserved for one invoice id: {"invoice-1": 2}.
    failures_for: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    calls: list[ReceivedCall] = field(default_factory=list)


class DownstreamSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOWNSTREAM_", extra="ignore")


class RecordingMailer(mailer_pb2_grpc.MailerServiceServicer):
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    async def SendInvoiceEmail(self, request, context):  # type: ignore[no-untyped-def]
        from aquaerp_runtime.context import principal_var

        metadata = dict(context.invocation_metadata() or ())
        principal = principal_var.get()
        self.behaviour.calls.append(
            ReceivedCall(
                idempotency_metadata=str(metadata.get("idempotency-key", "")),
                request=request,
                caller_roles=tuple(sorted(principal.roles)) if principal else (),
            )
        )
        if self.behaviour.failures_for.get(request.invoice_id, 0) > 0:
            self.behaviour.failures_for[request.invoice_id] -= 1
            await context.abort(grpc.StatusCode.INTERNAL, "mail relay exploded")
        if self.behaviour.failures > 0:
            self.behaviour.failures -= 1
            await context.abort(grpc.StatusCode.INTERNAL, "mail relay exploded")
        if self.behaviour.stalls > 0:
            self.behaviour.stalls -= 1
            await asyncio.sleep(30)
        if self.behaviour.delay:
            await asyncio.sleep(self.behaviour.delay)
        return mailer_pb2.Email(
            id=f"email-{len(self.behaviour.calls)}",
            template="invoice_issued",
            idempotency_key=request.idempotency_key,
        )


def downstream_spec(behaviour: Behaviour) -> ServiceSpec:
    async def setup(ctx: ServiceContext) -> None:
        ctx.add_servicer(
            mailer_pb2_grpc.add_MailerServiceServicer_to_server,
            RecordingMailer(behaviour),
            mailer_pb2.DESCRIPTOR.services_by_name["MailerService"].full_name,
        )

    return ServiceSpec(name="downstream", settings_class=DownstreamSettings, setup=setup)
