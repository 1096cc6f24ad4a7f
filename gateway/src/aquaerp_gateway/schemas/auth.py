"""Bodies of /api/v1/auth and /api/v1/users."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aquaerp.auth.v1 import auth_pb2
from pydantic import BaseModel, Field

from . import Page, RequestBody

RoleName = Literal["admin", "bureau", "compta", "technicien", "client"]
ROLE_TO_PROTO = {
    "admin": auth_pb2.ROLE_ADMIN,
    "bureau": auth_pb2.ROLE_BUREAU,
    "compta": auth_pb2.ROLE_COMPTA,
    "technicien": auth_pb2.ROLE_TECHNICIEN,
    "client": auth_pb2.ROLE_CLIENT,
}
PROTO_TO_ROLE = {v: k for k, v in ROLE_TO_PROTO.items()}


class LoginBody(RequestBody):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class MfaVerifyBody(RequestBody):
    mfa_token: str = Field(max_length=4096)
    code: str = Field(min_length=6, max_length=10)


class RefreshBody(RequestBody):
    refresh_token: str = Field(max_length=512)


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class LoginResult(BaseModel):
    """Either tokens, or `mfa_required` with the token to send to /auth/mfa/verify."""

    tokens: TokenPair | None = None
    mfa_required: bool = False
    mfa_token: str | None = None


class PasswordChangeBody(RequestBody):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class TotpEnrollment(BaseModel):
    secret: str
    provisioning_uri: str


class TotpConfirmBody(RequestBody):
    code: str = Field(min_length=6, max_length=10)


class User(BaseModel):
    id: str
    email: str
    display_name: str
    roles: list[RoleName]
    active: bool
    totp_enabled: bool
    customer_id: str | None = None
    created_at: datetime | None = None
    last_login_at: datetime | None = None

    @classmethod
    def from_proto(cls, user: auth_pb2.User) -> User:
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            roles=[PROTO_TO_ROLE[r] for r in user.roles if r in PROTO_TO_ROLE],  # type: ignore[misc]
            active=user.active,
            totp_enabled=user.totp_enabled,
            customer_id=user.customer_id or None,
            created_at=user.create_time.ToDatetime().astimezone()
            if user.HasField("create_time")
            else None,
            last_login_at=user.last_login_time.ToDatetime().astimezone()
            if user.HasField("last_login_time")
            else None,
        )


class UserCreateBody(RequestBody):
    email: str = Field(max_length=320)
    display_name: str = Field(default="", max_length=200)
    password: str = Field(max_length=1024)
    roles: list[RoleName] = Field(min_length=1)
    customer_id: str = Field(default="", max_length=64)


class UserUpdateBody(RequestBody):
    display_name: str | None = Field(default=None, max_length=200)
    roles: list[RoleName] | None = None


class UserList(BaseModel):
    items: list[User]
    page: Page
