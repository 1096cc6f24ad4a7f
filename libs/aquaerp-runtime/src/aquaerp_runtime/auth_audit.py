"""Recording a service's sensitive acts (payment reversals, erasures, exports) in the platform
audit trail, auth's `RecordAuditEvent`, on behalf of the end user.

The domain code calls the hook inside its unit of work: when auth cannot record, the act fails
(Unavailable) rather than happen unrecorded.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc

from .context import client_ip_var
from .errors import Unavailable

# (action, actor, details): e.g. ("payment.reversed", "<user id>", {"payment_id": ...}).
AuditHook = Callable[[str, str, Mapping[str, str]], Awaitable[None]]


def audit_recorder(channel: grpc.aio.Channel, *, prefix: str, target: str) -> AuditHook:
    """A hook over `channel` (carrying the service's own account): the action becomes
    `<prefix><action>` (`<service>.<entity>.<verb>`), the target the detail named `target`."""
    stub = auth_pb2_grpc.AuthServiceStub(channel)

    async def record(action: str, actor: str, details: Mapping[str, str]) -> None:
        try:
            await stub.RecordAuditEvent(
                auth_pb2.RecordAuditEventRequest(
                    actor=actor or "unknown",
                    action=f"{prefix}{action}",
                    target=str(details.get(target, "")),
                    details_json=json.dumps(dict(details), ensure_ascii=False, sort_keys=True),
                    client_ip=client_ip_var.get(),
                )
            )
        except grpc.aio.AioRpcError as error:
            raise Unavailable(
                f"the audit trail could not record it: {error.details() or error.code().name}"
            ) from None

    return record
