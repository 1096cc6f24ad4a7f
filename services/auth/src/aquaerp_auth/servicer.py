"""gRPC edge of the auth service: proto <-> domain, nothing else."""

from __future__ import annotations

from datetime import datetime

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.context import client_ip_var
from google.protobuf.timestamp_pb2 import Timestamp

from .repository import UserRow
from .service import AuthService, MfaChallenge, TokenPair

ROLE_NAMES = {
    auth_pb2.ROLE_ADMIN: "admin",
    auth_pb2.ROLE_BUREAU: "bureau",
    auth_pb2.ROLE_COMPTA: "compta",
    auth_pb2.ROLE_TECHNICIEN: "technicien",
    auth_pb2.ROLE_CLIENT: "client",
}
ROLE_VALUES = {name: value for value, name in ROLE_NAMES.items()}


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def user_message(user: UserRow) -> auth_pb2.User:
    return auth_pb2.User(
        id=str(user.id),
        email=user.email,
        display_name=user.display_name,
        roles=[ROLE_VALUES[r] for r in user.roles if r in ROLE_VALUES],
        active=user.active,
        totp_enabled=bool(user.totp_secret),
        customer_id=user.customer_id,
        create_time=_timestamp(user.created_at),
        last_login_time=_timestamp(user.last_login_at),
    )


def token_pair(tokens: TokenPair) -> auth_pb2.TokenPair:
    return auth_pb2.TokenPair(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
        refresh_expires_in=tokens.refresh_expires_in,
    )


def _role_names(values: list[int]) -> list[str]:
    # Unknown enum numbers become names the domain rejects with a clear message.
    return [ROLE_NAMES.get(auth_pb2.Role.ValueType(v), f"role#{v}") for v in values]


def _client_ip(context: grpc.aio.ServicerContext) -> str:
    """The end user's address as told by the gateway, else the direct peer's."""
    if ip := client_ip_var.get():
        return ip
    peer = context.peer() or ""
    # "ipv4:127.0.0.1:5000" / "ipv6:[::1]:5000"
    kind, _, rest = peer.partition(":")
    return rest.rsplit(":", 1)[0].strip("[]") if kind in ("ipv4", "ipv6") else peer


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, service: AuthService) -> None:
        self.service = service

    async def Login(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.service.login(request.email, request.password, _client_ip(context))
        if isinstance(result, MfaChallenge):
            return auth_pb2.LoginResponse(
                mfa_required=auth_pb2.MfaChallenge(
                    mfa_token=result.mfa_token, enrollment_required=result.enrollment_required
                )
            )
        return auth_pb2.LoginResponse(tokens=token_pair(result))

    async def VerifyMfa(self, request, context):  # type: ignore[no-untyped-def]
        return token_pair(
            await self.service.verify_mfa(request.mfa_token, request.code, _client_ip(context))
        )

    async def RefreshToken(self, request, context):  # type: ignore[no-untyped-def]
        return token_pair(await self.service.refresh(request.refresh_token))

    async def Logout(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.logout(request.refresh_token)
        return auth_pb2.LogoutResponse()

    async def GetMe(self, request, context):  # type: ignore[no-untyped-def]
        return user_message(await self.service.me())

    async def ChangePassword(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.change_password(request.current_password, request.new_password)
        return auth_pb2.ChangePasswordResponse()

    async def EnrollTotp(self, request, context):  # type: ignore[no-untyped-def]
        secret, uri = await self.service.enroll_totp()
        return auth_pb2.EnrollTotpResponse(secret=secret, provisioning_uri=uri)

    async def ConfirmTotp(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.confirm_totp(request.code)
        return auth_pb2.ConfirmTotpResponse()

    async def GetJwks(self, request, context):  # type: ignore[no-untyped-def]
        return auth_pb2.GetJwksResponse(jwks_json=await self.service.jwks_json())

    async def IssueServiceToken(self, request, context):  # type: ignore[no-untyped-def]
        token, ttl = await self.service.issue_service_token(
            request.client_id, request.client_secret
        )
        return auth_pb2.IssueServiceTokenResponse(access_token=token, expires_in=ttl)

    async def CreateUser(self, request, context):  # type: ignore[no-untyped-def]
        user = await self.service.create_user(
            request.email,
            request.display_name,
            request.password,
            _role_names(list(request.roles)),
            request.customer_id,
        )
        return user_message(user)

    async def GetUser(self, request, context):  # type: ignore[no-untyped-def]
        return user_message(await self.service.get_user(request.id))

    async def ListUsers(self, request, context):  # type: ignore[no-untyped-def]
        role = ROLE_NAMES.get(request.role) if request.role else None
        page = await self.service.list_users(
            role, request.query or None, request.page.page_size, request.page.page_token
        )
        return auth_pb2.ListUsersResponse(
            users=[user_message(u) for u in page.users],
            page=common_pb2.PageResponse(next_page_token=page.next_page_token, total_size=-1),
        )

    async def UpdateUser(self, request, context):  # type: ignore[no-untyped-def]
        user = await self.service.update_user(
            request.id,
            request.display_name if request.HasField("display_name") else None,
            _role_names(list(request.roles)) if request.update_roles else None,
        )
        return user_message(user)

    async def DisableUser(self, request, context):  # type: ignore[no-untyped-def]
        return user_message(await self.service.set_active(request.id, False))

    async def EnableUser(self, request, context):  # type: ignore[no-untyped-def]
        return user_message(await self.service.set_active(request.id, True))

    async def ResetTotp(self, request, context):  # type: ignore[no-untyped-def]
        return user_message(await self.service.reset_totp(request.id))

    async def CreateServiceAccount(self, request, context):  # type: ignore[no-untyped-def]
        client_id, secret = await self.service.create_service_account(request.name)
        return auth_pb2.CreateServiceAccountResponse(client_id=client_id, client_secret=secret)

    async def RotateSigningKey(self, request, context):  # type: ignore[no-untyped-def]
        return auth_pb2.RotateSigningKeyResponse(kid=await self.service.rotate_signing_key())
