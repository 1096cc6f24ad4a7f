"""Domain errors, and their one mapping to gRPC status codes.

Services raise these from `service.py`; the error interceptor turns them into statuses.
Field-level problems travel in the `aquaerp-field-violations` trailing metadata (JSON) so the
gateway can put them next to the right form field. An error with a stable `reason` code (e.g.
"assignment.missing_skill") and its `params` (e.g. {"skill": "spa"}) also carries a
google.rpc.ErrorInfo in the standard gRPC status details, which the gateway turns into the
problem's `code` and `params`: clients word the message themselves (the web app in French).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

FIELD_VIOLATIONS_KEY = "aquaerp-field-violations"
# The standard key of google.rpc.Status in a call's trailing metadata.
STATUS_DETAILS_KEY = "grpc-status-details-bin"
ERROR_DOMAIN = "aquaerp"


class DomainError(Exception):
    """Base of all errors a client may see; the message is shown to the user as is, and
    `reason` (a stable code) with its `params` lets a client word it in its own language."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        reason: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})
        self.reason = reason
        self.params: dict[str, str] = {k: str(v) for k, v in (params or {}).items()}


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    """The request is valid but the object's state forbids it (e.g. editing an issued invoice)."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class Conflict(DomainError):
    """A concurrent change won; the caller may retry."""

    code = grpc.StatusCode.ABORTED


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class ResourceExhausted(DomainError):
    """Throttled; `retry_after` seconds tells when to try again."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE


def trailing_metadata(error: DomainError) -> tuple[tuple[str, str | bytes], ...]:
    metadata: list[tuple[str, str | bytes]] = []
    if error.fields:
        metadata.append((FIELD_VIOLATIONS_KEY, json.dumps(error.fields, ensure_ascii=True)))
    if isinstance(error, ResourceExhausted) and error.retry_after:
        metadata.append(("retry-after", str(error.retry_after)))
    if error.reason:
        metadata.append((STATUS_DETAILS_KEY, status_details(error)))
    return tuple(metadata)


def status_details(error: DomainError) -> bytes:
    """google.rpc.Status with the error's ErrorInfo (reason and params), serialised."""
    info = any_pb2.Any()
    info.Pack(
        error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.params)
    )
    status = status_pb2.Status(code=error.code.value[0], message=error.message, details=[info])
    return bytes(status.SerializeToString())


def error_info(metadata: Iterable[tuple[str, str | bytes]] | None) -> tuple[str, dict[str, str]]:
    """The reason code and params of a call's ErrorInfo; ("", {}) when it has none."""
    for key, value in metadata or ():
        if key != STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return info.reason, dict(info.metadata)
    return "", {}


def field_violations(metadata: Iterable[tuple[str, str | bytes]] | None) -> dict[str, str]:
    """Reads the field violations back from a call's trailing metadata."""
    for key, value in metadata or ():
        if key == FIELD_VIOLATIONS_KEY:
            return dict(json.loads(value))
    return {}
