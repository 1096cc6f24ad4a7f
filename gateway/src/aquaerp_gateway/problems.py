"""Errors as `application/problem+json` (RFC 9457); gRPC status codes mapped to HTTP once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc
from aquaerp_runtime.context import request_id_var
from aquaerp_runtime.errors import DomainError, error_info, field_violations
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Invalid input",
    429: "Too many requests",
    499: "Request cancelled",
    500: "Internal error",
    501: "Not implemented",
    503: "Service unavailable",
    504: "Timeout",
}


def problem(
    status: int,
    detail: str,
    *,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    code: str = "",
    params: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "request_id": request_id_var.get(),
    }
    if errors:
        body["errors"] = errors
    if code:
        # A stable code and its parameters (the service's ErrorInfo): clients word the
        # message in their language.
        body["code"] = code
        body["params"] = params or {}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def from_rpc_error(
    error: grpc.aio.AioRpcError, rename: Callable[[str], str] | None = None
) -> JSONResponse:
    """The problem for a failed call; `rename` turns the service's field paths into the names
    the caller used (query parameters, the fields of a body that is one request field)."""
    status = HTTP_STATUS.get(error.code(), 500)
    trailing = error.trailing_metadata() or ()
    headers = {k: v for k, v in trailing if k == "retry-after"}
    if status == 500:
        # Never a stack trace or an internal message to the client.
        log.error("unexpected gRPC error %s: %s", error.code(), error.details())
        return problem(500, f"internal error (request id {request_id_var.get()})")
    detail = error.details() or TITLES.get(status, "error")
    if status in (503, 504):
        detail = (
            "a service is temporarily unavailable; try again"
            if status == 503
            else "the request took too long"
        )
    errors = field_violations(trailing)
    if rename is not None:
        errors = {rename(path): text for path, text in errors.items()}
    code, params = error_info(trailing)
    return problem(
        status, detail, errors=errors or None, headers=headers or None, code=code, params=params
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(grpc.aio.AioRpcError)
    async def rpc_error(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
        return from_rpc_error(error)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        status = HTTP_STATUS.get(error.code, 500)
        retry_after = getattr(error, "retry_after", 0)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return problem(
            status,
            error.message,
            errors=error.fields or None,
            headers=headers,
            code=error.reason,
            params=error.params,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        errors: dict[str, str] = {}
        for item in error.errors():
            errors.setdefault(
                _location(tuple(item.get("loc", ()))), str(item.get("msg", "invalid"))
            )
        return problem(422, "the request is not valid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(
            error.status_code, str(error.detail), headers=getattr(error, "headers", None)
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, f"internal error (request id {request_id_var.get()})")


class UnhandledErrors:
    """Answers an unexpected exception with a 500 problem on the same connection. Left to the
    server, the exception would close the caller's keep-alive connection after the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started:
                raise  # part of an answer went out: only closing the connection is honest
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            answer = problem(500, f"internal error (request id {request_id_var.get()})")
            await answer(scope, receive, send)
