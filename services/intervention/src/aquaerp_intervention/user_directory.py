"""The roles of a user, asked of auth with this service's own account: a technician profile is
for a user holding the `technicien` role."""

from __future__ import annotations

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.errors import Unavailable

ROLE_PREFIX = "ROLE_"


class AuthUsers:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._auth = auth_pb2_grpc.AuthServiceStub(channel)

    async def roles(self, user_id: str) -> frozenset[str] | None:
        """The user's roles; None when auth knows no such user."""
        try:
            user = await self._auth.GetUser(auth_pb2.GetUserRequest(id=user_id))
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise Unavailable(
                f"the user could not be checked: {error.details() or error.code().name}"
            ) from None
        return frozenset(
            auth_pb2.Role.Name(role).removeprefix(ROLE_PREFIX).lower() for role in user.roles
        )
