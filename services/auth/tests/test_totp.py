"""TOTP: RFC 6238 vectors, enrolment, second-factor login, replay refused."""

from __future__ import annotations

import grpc
import pytest
from aquaerp.auth.v1 import auth_pb2
from aquaerp_auth import totp
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.testing.plugin import AuthFixture, bearer, rpc_error

# RFC 6238 appendix B: the ASCII seed "12345678901234567890" (SHA-1), 8 digits.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_vectors(unix_time: int, code: str) -> None:
    assert totp.code_at(RFC_SECRET, unix_time, digits=8) == code


def test_a_code_matches_its_step_and_one_either_side() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000
    step = now // 30
    assert totp.matching_step(secret, totp.code_at(secret, now), now) == step
    assert totp.matching_step(secret, totp.code_at(secret, now - 30), now) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, now + 30), now) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, now - 90), now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


async def test_enrol_then_login_with_second_factor_and_refuse_replay(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    user, password = await auth_service.create_user("compta")
    token = (await auth_service.login(user.email, password)).access_token
    enrolment = await auth_service.stub.EnrollTotp(
        auth_pb2.EnrollTotpRequest(), metadata=bearer(token)
    )
    assert enrolment.provisioning_uri.startswith("otpauth://totp/")
    bad = await rpc_error(
        auth_service.stub.ConfirmTotp(
            auth_pb2.ConfirmTotpRequest(code="000000"), metadata=bearer(token)
        )
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    # Confirm with the previous step's code, so the current one is still unused for the login.
    await auth_service.stub.ConfirmTotp(
        auth_pb2.ConfirmTotpRequest(code=totp.code_at(enrolment.secret, clock.timestamp() - 30)),
        metadata=bearer(token),
    )

    challenge = await auth_service.stub.Login(
        auth_pb2.LoginRequest(email=user.email, password=password)
    )
    assert challenge.WhichOneof("result") == "mfa_required"
    code = totp.code_at(enrolment.secret, clock.timestamp())
    tokens = await auth_service.stub.VerifyMfa(
        auth_pb2.VerifyMfaRequest(mfa_token=challenge.mfa_required.mfa_token, code=code)
    )
    me = await auth_service.stub.GetMe(
        auth_pb2.GetMeRequest(), metadata=bearer(tokens.access_token)
    )
    assert me.totp_enabled

    # The same code again, even with a fresh challenge: refused.
    again = await auth_service.stub.Login(
        auth_pb2.LoginRequest(email=user.email, password=password)
    )
    replay = await rpc_error(
        auth_service.stub.VerifyMfa(
            auth_pb2.VerifyMfaRequest(mfa_token=again.mfa_required.mfa_token, code=code)
        )
    )
    assert replay.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_an_mfa_challenge_is_not_an_access_token(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    user, password = await auth_service.create_user("bureau")
    token = (await auth_service.login(user.email, password)).access_token
    enrolment = await auth_service.stub.EnrollTotp(
        auth_pb2.EnrollTotpRequest(), metadata=bearer(token)
    )
    await auth_service.stub.ConfirmTotp(
        auth_pb2.ConfirmTotpRequest(code=totp.code_at(enrolment.secret, clock.timestamp())),
        metadata=bearer(token),
    )
    challenge = await auth_service.stub.Login(
        auth_pb2.LoginRequest(email=user.email, password=password)
    )
    error = await rpc_error(
        auth_service.stub.GetMe(
            auth_pb2.GetMeRequest(), metadata=bearer(challenge.mfa_required.mfa_token)
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_code_is_refused_once_its_window_has_passed(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    user, password = await auth_service.create_user("bureau")
    token = (await auth_service.login(user.email, password)).access_token
    enrolment = await auth_service.stub.EnrollTotp(
        auth_pb2.EnrollTotpRequest(), metadata=bearer(token)
    )
    code = totp.code_at(enrolment.secret, clock.timestamp())
    clock.advance(seconds=2 * totp.STEP_SECONDS)  # beyond the one step of tolerance
    late = await rpc_error(
        auth_service.stub.ConfirmTotp(
            auth_pb2.ConfirmTotpRequest(code=code), metadata=bearer(token)
        )
    )
    assert late.code() == grpc.StatusCode.INVALID_ARGUMENT
