"""Prometheus RED metrics, observed after the handler with the final status code."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc

from ..metrics import GRPC_HANDLED, GRPC_HANDLING_SECONDS, GRPC_STARTED
from . import CallInfo, Handler


def final_code(context: grpc.aio.ServicerContext, error: BaseException | None) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(error, asyncio.CancelledError):
        remaining = context.time_remaining()
        if remaining is not None and remaining <= 0:
            return grpc.StatusCode.DEADLINE_EXCEEDED
        return grpc.StatusCode.CANCELLED
    if error is not None:
        return grpc.StatusCode.UNKNOWN
    return grpc.StatusCode.OK


class MetricsInterceptor:
    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any:
        GRPC_STARTED.labels(call.service, call.method).inc()
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            return await proceed(request, context)
        except BaseException as raised:
            error = raised
            raise
        finally:
            GRPC_HANDLING_SECONDS.labels(call.service, call.method).observe(
                time.perf_counter() - started
            )
            GRPC_HANDLED.labels(call.service, call.method, final_code(context, error).name).inc()
