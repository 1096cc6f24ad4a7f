"""Login, tokens and sessions against a real auth server over a real channel."""

from __future__ import annotations

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp_runtime.testing.plugin import AuthFixture, bearer, rpc_error


async def test_login_then_me(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("bureau")
    tokens = await auth_service.login(user.email, password)
    me = await auth_service.stub.GetMe(
        auth_pb2.GetMeRequest(), metadata=bearer(tokens.access_token)
    )
    assert me.email == user.email
    assert list(me.roles) == [auth_pb2.ROLE_BUREAU]
    assert tokens.expires_in == 15 * 60


async def test_wrong_password_is_unauthenticated(auth_service: AuthFixture) -> None:
    user, _ = await auth_service.create_user("bureau")
    error = await rpc_error(
        auth_service.stub.Login(
            auth_pb2.LoginRequest(email=user.email, password="wrong password!!")
        )
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "invalid email or password"


async def test_login_outcomes_are_counted(auth_service: AuthFixture) -> None:
    from prometheus_client import REGISTRY

    def count(outcome: str) -> float:
        return REGISTRY.get_sample_value("aquaerp_auth_logins_total", {"outcome": outcome}) or 0.0

    user, password = await auth_service.create_user("bureau")
    succeeded, failed = count("succeeded"), count("failed")
    await auth_service.login(user.email, password)
    await rpc_error(
        auth_service.stub.Login(auth_pb2.LoginRequest(email=user.email, password="nope nope nope"))
    )
    assert count("succeeded") == succeeded + 1
    assert count("failed") == failed + 1
