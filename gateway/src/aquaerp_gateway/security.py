"""Authentication and role checks before any service is called; the verified token is then
forwarded to the services in gRPC metadata. Security headers on every answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aquaerp_runtime.context import Principal, access_token_var, principal_var
from aquaerp_runtime.errors import PermissionDenied, Unauthenticated
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api_keys import Authenticator

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="Access token from /api/v1/auth/login, or an API key (`aqk_...`)",
)


async def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> Principal:
    if credentials is None:
        raise Unauthenticated("missing access token")
    authenticator: Authenticator = request.app.state.authenticator
    credential = await authenticator.verify(credentials.credentials)
    authenticator.throttle(credential.principal)
    principal_var.set(credential.principal)
    access_token_var.set(credential.forwarded_token)
    return credential.principal


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller must hold one of `roles`."""

    async def check(principal: Principal = Depends(authenticated)) -> Principal:
        if not principal.has_any(*roles):
            raise PermissionDenied("your role does not allow this action")
        return principal

    return check


async def forwarded_token() -> str | None:
    """Credentials for outgoing calls: the end user's own token."""
    return access_token_var.get() or None


# Answers that may hold personal or financial data are never kept by browsers or proxies.
NOT_CACHED_TYPES = (b"application/json", b"application/problem+json", b"application/pdf")
HTML_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """nosniff and a referrer policy everywhere; `no-store` on JSON and PDF answers; a content
    security policy forbidding framing on the web app's pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in ("/docs", "/redoc") or scope["path"].startswith("/docs/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"").split(b";")[0].strip()
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                if content_type in NOT_CACHED_TYPES and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if content_type == b"text/html" and not docs:
                    headers.append((b"content-security-policy", HTML_POLICY))
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
