"""Authentication and role checks before any service is called; the verified token is then
forwarded to the services in gRPC metadata."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aquaerp_runtime.context import Principal, access_token_var, principal_var
from aquaerp_runtime.errors import PermissionDenied, Unauthenticated
from aquaerp_runtime.tokens import TokenVerifier
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer_scheme = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


async def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> Principal:
    if credentials is None:
        raise Unauthenticated("missing access token")
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.principal(credentials.credentials)
    principal_var.set(principal)
    access_token_var.set(credentials.credentials)
    return principal


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
