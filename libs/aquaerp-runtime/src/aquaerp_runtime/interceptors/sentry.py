"""Sentry transaction per call, continuing the caller's trace; reports unexpected errors only."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from ..errors import DomainError
from . import CallInfo, Handler


class SentryInterceptor:
    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any:
        import sentry_sdk

        headers = {k: v for k, v in call.metadata.items() if k in ("sentry-trace", "baggage")}
        transaction = sentry_sdk.continue_trace(headers, op="grpc.server", name=call.full_method)
        with sentry_sdk.start_transaction(transaction):
            try:
                return await proceed(request, context)
            except (DomainError, asyncio.CancelledError, grpc.aio.AbortError):
                raise
            except Exception as error:
                sentry_sdk.capture_exception(error)
                raise
