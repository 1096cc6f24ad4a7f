"""/api/v1/auth credential routes: login, second factor, refresh, logout. Hand-written because
they shape tokens for the browser (a login answers tokens or a second-factor challenge) and are
rate limited; the caller's own profile, password and TOTP routes come from the protos."""

from __future__ import annotations

from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ..rate_limit import auth_rate_limit

router = APIRouter(prefix="/auth", tags=["auth"])
# Routes that take credentials are rate limited per client address (password guessing).
throttled = [Depends(auth_rate_limit)]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class LoginResult(BaseModel):
    """Either tokens, or `mfa_required` with the token to send to /auth/mfa/verify."""

    tokens: TokenPair | None = None
    mfa_required: bool = False
    mfa_token: str | None = None


def _auth(request: Request) -> auth_pb2_grpc.AuthServiceStub:
    stub: auth_pb2_grpc.AuthServiceStub = request.app.state.clients.stub(
        "auth", auth_pb2_grpc.AuthServiceStub
    )
    return stub


def _pair(tokens: auth_pb2.TokenPair) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
        refresh_expires_in=tokens.refresh_expires_in,
    )


@router.post("/login", dependencies=throttled, summary="Log in with email and password")
async def login(body: LoginBody, request: Request) -> LoginResult:
    response = await _auth(request).Login(
        auth_pb2.LoginRequest(email=body.email, password=body.password)
    )
    if response.WhichOneof("result") == "mfa_required":
        return LoginResult(mfa_required=True, mfa_token=response.mfa_required.mfa_token)
    return LoginResult(tokens=_pair(response.tokens))


@router.post("/mfa/verify", dependencies=throttled, summary="Complete a login with a TOTP code")
async def verify_mfa(body: MfaVerifyBody, request: Request) -> TokenPair:
    return _pair(
        await _auth(request).VerifyMfa(
            auth_pb2.VerifyMfaRequest(mfa_token=body.mfa_token, code=body.code)
        )
    )


@router.post("/refresh", dependencies=throttled, summary="Exchange a refresh token for a new pair")
async def refresh(body: RefreshBody, request: Request) -> TokenPair:
    return _pair(
        await _auth(request).RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=body.refresh_token)
        )
    )


@router.post("/logout", status_code=204, summary="End the session of a refresh token")
async def logout(body: RefreshBody, request: Request) -> None:
    await _auth(request).Logout(auth_pb2.LogoutRequest(refresh_token=body.refresh_token))
