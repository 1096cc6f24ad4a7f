"""Authentication: verifies the bearer JWT and makes the caller available to the domain code.

Health checks, reflection and the methods a service declares public need no token.

The end user's address (`x-client-ip`, for throttling and the audit trail) is believed only
from a service: a caller authenticated with a service account, or one vouching for it with its
service token in `x-forwarder-authorization` (the gateway, which calls with the user's token).
Anyone else's claim is ignored: a user calling a service directly cannot choose the address
recorded for them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import grpc

from ..context import Principal, access_token_var, client_ip_var, principal_var
from ..errors import Unauthenticated
from ..tokens import TokenVerifier, bearer_token
from . import CallInfo, Handler

ALWAYS_PUBLIC_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)


class AuthInterceptor:
    def __init__(
        self, verifier: Callable[[], TokenVerifier], public_methods: Collection[str] = ()
    ) -> None:
        self._verifier = verifier
        self.public_methods = frozenset(public_methods)

    async def __call__(
        self, request: Any, context: grpc.aio.ServicerContext, call: CallInfo, proceed: Handler
    ) -> Any:
        if call.service in ALWAYS_PUBLIC_SERVICES or call.full_method in self.public_methods:
            await self._client_ip(call, None)
            return await proceed(request, context)
        header = call.metadata.get("authorization")
        if not header:
            raise Unauthenticated("missing access token")
        token = bearer_token(header)
        principal = await self._verifier().principal(token)
        principal_var.set(principal)
        access_token_var.set(token)
        await self._client_ip(call, principal)
        return await proceed(request, context)

    async def _client_ip(self, call: CallInfo, caller: Principal | None) -> None:
        claimed = call.metadata.get("x-client-ip", "")
        if not claimed:
            return
        if caller is None or not caller.is_service:
            vouching = call.metadata.get("x-forwarder-authorization", "")
            try:
                caller = (
                    await self._verifier().principal(bearer_token(vouching)) if vouching else None
                )
            except Unauthenticated:
                caller = None
        if caller is not None and caller.is_service:
            client_ip_var.set(claimed)
