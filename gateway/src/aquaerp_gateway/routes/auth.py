"""/api/v1/auth: login, second factor, refresh, logout, the caller's profile and password."""

from __future__ import annotations

from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.context import Principal
from fastapi import APIRouter, Depends, Request

from ..rate_limit import auth_rate_limit
from ..schemas.auth import (
    LoginBody,
    LoginResult,
    MfaVerifyBody,
    PasswordChangeBody,
    RefreshBody,
    TokenPair,
    TotpConfirmBody,
    TotpEnrollment,
    User,
)
from ..security import authenticated

router = APIRouter(prefix="/auth", tags=["auth"])
# Routes that take credentials are rate limited per client address (password guessing).
throttled = [Depends(auth_rate_limit)]


def _auth(request: Request) -> auth_pb2_grpc.AuthServiceStub:
    return request.app.state.clients.stub("auth", auth_pb2_grpc.AuthServiceStub)  # type: ignore[no-any-return]


def _pair(tokens: auth_pb2.TokenPair) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
        refresh_expires_in=tokens.refresh_expires_in,
    )


@router.post(
    "/login",
    dependencies=throttled,
    response_model=LoginResult,
    summary="Log in with email and password",
)
async def login(body: LoginBody, request: Request) -> LoginResult:
    response = await _auth(request).Login(
        auth_pb2.LoginRequest(email=body.email, password=body.password)
    )
    if response.WhichOneof("result") == "mfa_required":
        return LoginResult(mfa_required=True, mfa_token=response.mfa_required.mfa_token)
    return LoginResult(tokens=_pair(response.tokens))


@router.post(
    "/mfa/verify",
    dependencies=throttled,
    response_model=TokenPair,
    summary="Complete a login with a TOTP code",
)
async def verify_mfa(body: MfaVerifyBody, request: Request) -> TokenPair:
    return _pair(
        await _auth(request).VerifyMfa(
            auth_pb2.VerifyMfaRequest(mfa_token=body.mfa_token, code=body.code)
        )
    )


@router.post(
    "/refresh",
    dependencies=throttled,
    response_model=TokenPair,
    summary="Exchange a refresh token for a new pair",
)
async def refresh(body: RefreshBody, request: Request) -> TokenPair:
    return _pair(
        await _auth(request).RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=body.refresh_token)
        )
    )


@router.post("/logout", status_code=204, summary="End the session of a refresh token")
async def logout(body: RefreshBody, request: Request) -> None:
    await _auth(request).Logout(auth_pb2.LogoutRequest(refresh_token=body.refresh_token))


@router.get("/me", response_model=User, summary="The logged-in user")
async def me(request: Request, principal: Principal = Depends(authenticated)) -> User:
    return User.from_proto(await _auth(request).GetMe(auth_pb2.GetMeRequest()))


@router.post("/password", status_code=204, summary="Change my password (ends my other sessions)")
async def change_password(
    body: PasswordChangeBody, request: Request, principal: Principal = Depends(authenticated)
) -> None:
    await _auth(request).ChangePassword(
        auth_pb2.ChangePasswordRequest(
            current_password=body.current_password, new_password=body.new_password
        )
    )


@router.post("/totp/enroll", response_model=TotpEnrollment, summary="Start TOTP enrolment")
async def enroll_totp(
    request: Request, principal: Principal = Depends(authenticated)
) -> TotpEnrollment:
    response = await _auth(request).EnrollTotp(auth_pb2.EnrollTotpRequest())
    return TotpEnrollment(secret=response.secret, provisioning_uri=response.provisioning_uri)


@router.post("/totp/confirm", status_code=204, summary="Confirm TOTP enrolment with a first code")
async def confirm_totp(
    body: TotpConfirmBody, request: Request, principal: Principal = Depends(authenticated)
) -> None:
    await _auth(request).ConfirmTotp(auth_pb2.ConfirmTotpRequest(code=body.code))
