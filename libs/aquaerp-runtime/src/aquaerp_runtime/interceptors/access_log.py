"""One structured log line per call, with its final code and duration."""

from __future__ import annotations

import logging
import time
from typing import Any

import grpc

from . import CallInfo, Handler
from .metrics import final_code

log = logging.getLogger("aquaerp.access")


class AccessLogInterceptor:
    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            response = await proceed(request, context)
            code = final_code(context, None)
            return response
        except BaseException as error:
            code = final_code(context, error)
            raise
        finally:
            level = logging.INFO if code is grpc.StatusCode.OK else logging.WARNING
            if log.isEnabledFor(level):
                log.log(
                    level,
                    "%s %s",
                    call.full_method,
                    code.name,
                    extra={
                        "grpc_method": call.full_method,
                        "grpc_code": code.name,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
