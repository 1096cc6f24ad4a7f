"""gRPC edge of the auth service: proto <-> domain, nothing else."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.clock import BUSINESS_TZ
from aquaerp_runtime.context import client_ip_var
from aquaerp_runtime.convert import date_message, enum_map, optional_date, timestamp
from aquaerp_runtime.paging import page_response

from .audit import AuditTrail
from .repository import ApiKeyRow, AuditRow, UserRow
from .service import AuthService, MfaChallenge, Role, TokenPair

ROLES = enum_map(auth_pb2.Role, Role)
ROLE_NAMES = frozenset(Role)


def user_message(user: UserRow) -> auth_pb2.User:
    return auth_pb2.User(
        id=str(user.id),
        email=user.email,
        display_name=user.display_name,
        roles=[ROLES.to_proto(Role(r)) for r in user.roles if r in ROLE_NAMES],
        active=user.active,
        totp_enabled=bool(user.totp_secret),
        customer_id=user.customer_id,
        create_time=timestamp(user.created_at),
        last_login_time=timestamp(user.last_login_at),
    )


def audit_message(row: AuditRow) -> auth_pb2.AuditEvent:
    return auth_pb2.AuditEvent(
        id=str(row.id),
        occur_time=timestamp(row.occurred_at),
        actor=row.actor,
        action=row.action,
        target=row.target,
        client_ip=row.client_ip,
        details_json=json.dumps(row.details, ensure_ascii=False, sort_keys=True),
        source=row.source,
    )


def api_key_message(key: ApiKeyRow) -> auth_pb2.ApiKey:
    return auth_pb2.ApiKey(
        id=str(key.id),
        name=key.name,
        roles=[ROLES.to_proto(Role(r)) for r in key.roles if r in ROLE_NAMES],
        customer_id=key.customer_id,
        prefix=key.prefix,
        # The last valid day: the day before the (Paris midnight) expiry instant.
        expire_date=date_message(
            (key.expires_at - timedelta(seconds=1)).astimezone(BUSINESS_TZ).date()
        ),
        create_time=timestamp(key.created_at),
        created_by=key.created_by,
        last_use_time=timestamp(key.last_used_at),
        revoke_time=timestamp(key.revoked_at),
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
    return [str(role) if (role := ROLES.optional(v)) else f"role#{v}" for v in values]


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
        self.audit = AuditTrail(service.database, service.clock)

    async def Login(
        self, request: auth_pb2.LoginRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LoginResponse:
        result = await self.service.login(request.email, request.password, _client_ip(context))
        if isinstance(result, MfaChallenge):
            return auth_pb2.LoginResponse(
                mfa_required=auth_pb2.MfaChallenge(
                    mfa_token=result.mfa_token, enrollment_required=result.enrollment_required
                )
            )
        return auth_pb2.LoginResponse(tokens=token_pair(result))

    async def VerifyMfa(
        self, request: auth_pb2.VerifyMfaRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.TokenPair:
        return token_pair(
            await self.service.verify_mfa(request.mfa_token, request.code, _client_ip(context))
        )

    async def RefreshToken(
        self, request: auth_pb2.RefreshTokenRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.TokenPair:
        return token_pair(await self.service.refresh(request.refresh_token))

    async def Logout(
        self, request: auth_pb2.LogoutRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LogoutResponse:
        await self.service.logout(request.refresh_token)
        return auth_pb2.LogoutResponse()

    async def GetMe(
        self, request: auth_pb2.GetMeRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        return user_message(await self.service.me())

    async def ChangePassword(
        self, request: auth_pb2.ChangePasswordRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ChangePasswordResponse:
        await self.service.change_password(request.current_password, request.new_password)
        return auth_pb2.ChangePasswordResponse()

    async def EnrollTotp(
        self, request: auth_pb2.EnrollTotpRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.EnrollTotpResponse:
        secret, uri = await self.service.enroll_totp()
        return auth_pb2.EnrollTotpResponse(secret=secret, provisioning_uri=uri)

    async def ConfirmTotp(
        self, request: auth_pb2.ConfirmTotpRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ConfirmTotpResponse:
        await self.service.confirm_totp(request.code)
        return auth_pb2.ConfirmTotpResponse()

    async def GetJwks(
        self, request: auth_pb2.GetJwksRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.GetJwksResponse:
        return auth_pb2.GetJwksResponse(jwks_json=await self.service.jwks_json())

    async def IssueServiceToken(
        self, request: auth_pb2.IssueServiceTokenRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.IssueServiceTokenResponse:
        token, ttl = await self.service.issue_service_token(
            request.client_id, request.client_secret
        )
        return auth_pb2.IssueServiceTokenResponse(access_token=token, expires_in=ttl)

    async def ListRevokedSessions(
        self, request: auth_pb2.ListRevokedSessionsRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ListRevokedSessionsResponse:
        ids, cursor = await self.service.revoked_sessions(request.cursor)
        return auth_pb2.ListRevokedSessionsResponse(session_ids=ids, cursor=cursor)

    async def CreateUser(
        self, request: auth_pb2.CreateUserRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        user = await self.service.create_user(
            request.email,
            request.display_name,
            request.password,
            _role_names(list(request.roles)),
            request.customer_id,
        )
        return user_message(user)

    async def GetUser(
        self, request: auth_pb2.GetUserRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        return user_message(await self.service.get_user(request.id))

    async def ListUsers(
        self, request: auth_pb2.ListUsersRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ListUsersResponse:
        role = ROLES.optional(request.role)
        page = await self.service.list_users(
            role, request.query or None, request.page.page_size, request.page.page_token
        )
        return auth_pb2.ListUsersResponse(
            users=[user_message(u) for u in page.users],
            page=page_response(page.next_page_token),
        )

    async def UpdateUser(
        self, request: auth_pb2.UpdateUserRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        user = await self.service.update_user(
            request.id,
            request.display_name if request.HasField("display_name") else None,
            _role_names(list(request.roles)) if request.update_roles else None,
        )
        return user_message(user)

    async def DisableUser(
        self, request: auth_pb2.DisableUserRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        return user_message(await self.service.set_active(request.id, False))

    async def EnableUser(
        self, request: auth_pb2.EnableUserRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        return user_message(await self.service.set_active(request.id, True))

    async def ResetTotp(
        self, request: auth_pb2.ResetTotpRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.User:
        return user_message(await self.service.reset_totp(request.id))

    async def CreateServiceAccount(
        self, request: auth_pb2.CreateServiceAccountRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.CreateServiceAccountResponse:
        client_id, secret = await self.service.create_service_account(request.name)
        return auth_pb2.CreateServiceAccountResponse(client_id=client_id, client_secret=secret)

    async def RotateSigningKey(
        self, request: auth_pb2.RotateSigningKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RotateSigningKeyResponse:
        return auth_pb2.RotateSigningKeyResponse(kid=await self.service.rotate_signing_key())

    async def RecordAuditEvent(
        self, request: auth_pb2.RecordAuditEventRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.AuditEvent:
        return audit_message(
            await self.audit.record(
                request.actor,
                request.action,
                request.target,
                request.details_json,
                request.client_ip,
            )
        )

    async def ListAuditEvents(
        self, request: auth_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ListAuditEventsResponse:
        page = await self.audit.list(
            actor=request.actor,
            action=request.action,
            from_date=optional_date(request, "from_date", "from"),
            to_date=optional_date(request, "to_date", "to"),
            page_size=request.page.page_size,
            page_token=request.page.page_token,
        )
        return auth_pb2.ListAuditEventsResponse(
            events=[audit_message(row) for row in page.events],
            page=page_response(page.next_page_token),
        )

    async def CreateApiKey(
        self, request: auth_pb2.CreateApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.CreateApiKeyResponse:
        key, secret = await self.service.api_keys.create(
            request.name,
            _role_names(list(request.roles)),
            request.customer_id,
            optional_date(request, "expire_date", "expires_on"),
        )
        return auth_pb2.CreateApiKeyResponse(api_key=api_key_message(key), secret=secret)

    async def ListApiKeys(
        self, request: auth_pb2.ListApiKeysRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ListApiKeysResponse:
        page = await self.service.api_keys.list(request.page.page_size, request.page.page_token)
        return auth_pb2.ListApiKeysResponse(
            api_keys=[api_key_message(key) for key in page.keys],
            page=page_response(page.next_page_token),
        )

    async def RevokeApiKey(
        self, request: auth_pb2.RevokeApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ApiKey:
        return api_key_message(await self.service.api_keys.revoke(request.id))

    async def ExchangeApiKey(
        self, request: auth_pb2.ExchangeApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ExchangeApiKeyResponse:
        exchanged = await self.service.api_keys.exchange(request.secret)
        return auth_pb2.ExchangeApiKeyResponse(
            access_token=exchanged.access_token,
            expires_in=exchanged.expires_in,
            api_key_id=exchanged.key_id,
        )
