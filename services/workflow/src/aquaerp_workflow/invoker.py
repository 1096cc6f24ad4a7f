"""Step calls over gRPC: any method of any AquaERP service, from its descriptors alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from .catalog import Method
from .worker import Invoke, StepFailure

IDEMPOTENCY_METADATA_KEY = "idempotency-key"
# Retrying cannot help: the request itself is wrong, or the caller may not make it.
PERMANENT_CODES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


def grpc_invoker(channel_for: Callable[[str], grpc.aio.Channel]) -> Invoke:
    """Calls a step's method on `channel_for(service)` (a channel carrying this service's
    account token), with the step's timeout as deadline and the idempotency key in metadata."""
    callables: dict[str, Any] = {}

    async def invoke(method: Method, request: Message, seconds: float, key: str) -> dict[str, Any]:
        call = callables.get(method.path)
        if call is None:
            call = callables[method.path] = channel_for(method.service).unary_unary(
                method.path,
                request_serializer=method.request_class.SerializeToString,
                response_deserializer=method.response_class.FromString,
            )
        try:
            response = await call(
                request, timeout=seconds, metadata=((IDEMPOTENCY_METADATA_KEY, key),)
            )
        except grpc.aio.AioRpcError as error:
            raise StepFailure(
                error.code().name, error.details() or "", permanent=error.code() in PERMANENT_CODES
            ) from None
        # Every field, defaults included, so later templates can read an empty value.
        data: dict[str, Any] = json_format.MessageToDict(
            response, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        return data

    return invoke
