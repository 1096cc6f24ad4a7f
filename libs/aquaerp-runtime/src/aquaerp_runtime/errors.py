"""Domain errors, and their one mapping to gRPC status codes.

Services raise these from `service.py`; the error interceptor turns them into statuses.
Field-level problems travel in the `aquaerp-field-violations` trailing metadata (JSON) so the
gateway can put them next to the right form field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import grpc

FIELD_VIOLATIONS_KEY = "aquaerp-field-violations"


class DomainError(Exception):
    """Base of all errors a client may see; the message is shown to the user as is."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


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


def trailing_metadata(error: DomainError) -> tuple[tuple[str, str], ...]:
    metadata: list[tuple[str, str]] = []
    if error.fields:
        metadata.append((FIELD_VIOLATIONS_KEY, json.dumps(error.fields, ensure_ascii=True)))
    if isinstance(error, ResourceExhausted) and error.retry_after:
        metadata.append(("retry-after", str(error.retry_after)))
    return tuple(metadata)


def field_violations(metadata: object) -> dict[str, str]:
    """Reads the field violations back from a call's trailing metadata."""
    for key, value in metadata or ():  # type: ignore[attr-defined]
        if key == FIELD_VIOLATIONS_KEY:
            return dict(json.loads(value))
    return {}
