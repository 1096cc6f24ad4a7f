"""Authentication: verifies the bearer JWT and makes the caller available to the domain code.

Health checks, reflection and the methods a service declares public need no token.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import grpc

from ..context import access_token_var, principal_var
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
            return await proceed(request, context)
        header = call.metadata.get("authorization")
        if not header:
            raise Unauthenticated("missing access token")
        token = bearer_token(header)
        principal_var.set(await self._verifier().principal(token))
        access_token_var.set(token)
        return await proceed(request, context)
