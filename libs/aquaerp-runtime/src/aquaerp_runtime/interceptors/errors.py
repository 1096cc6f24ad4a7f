"""The one place where domain errors become gRPC statuses. Unexpected errors become INTERNAL
with the request id, and never carry a stack trace to the client."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc

from ..context import request_id_var
from ..errors import DomainError, trailing_metadata
from . import CallInfo, Handler

log = logging.getLogger("aquaerp.errors")


class ErrorInterceptor:
    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any:
        try:
            return await proceed(request, context)
        except DomainError as error:
            await context.abort(error.code, error.message, trailing_metadata(error))
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception:
            log.exception("unhandled error in %s", call.full_method)
            await context.abort(
                grpc.StatusCode.INTERNAL, f"internal error (request id {request_id_var.get()})"
            )
