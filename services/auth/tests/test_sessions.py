"""Refresh-token rotation and reuse detection, logout, disabling, password change."""

from __future__ import annotations

from datetime import timedelta

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.testing.plugin import AuthFixture, bearer, rpc_error

from .conftest import START


async def _refresh(auth_service: AuthFixture, token: str) -> auth_pb2.TokenPair:
    return await auth_service.stub.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=token))


async def test_refresh_rotates_and_reuse_revokes_the_family(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("bureau")
    r1 = (await auth_service.login(user.email, password)).refresh_token
    pair2 = await _refresh(auth_service, r1)
    r2 = pair2.refresh_token
    assert r2 != r1
    assert (
        await auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(pair2.access_token))
    ).email == user.email

    # R1 comes back: stolen or replayed. Refused, and R2 dies with the whole session.
    reuse = await rpc_error(_refresh(auth_service, r1))
    assert reuse.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "already used" in reuse.details()
    after = await rpc_error(_refresh(auth_service, r2))
    assert after.code() == grpc.StatusCode.UNAUTHENTICATED
    # The access token of that session is refused where the session is checked.
    me = await rpc_error(
        auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(pair2.access_token))
    )
    assert me.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_other_sessions_survive_a_reuse(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("bureau")
    phone = (await auth_service.login(user.email, password)).refresh_token
    laptop = (await auth_service.login(user.email, password)).refresh_token
    await _refresh(auth_service, phone)
    await rpc_error(_refresh(auth_service, phone))
    assert (await _refresh(auth_service, laptop)).access_token


async def test_logout_ends_the_session(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("compta")
    tokens = await auth_service.login(user.email, password)
    await auth_service.stub.Logout(auth_pb2.LogoutRequest(refresh_token=tokens.refresh_token))
    assert (
        await rpc_error(_refresh(auth_service, tokens.refresh_token))
    ).code() == grpc.StatusCode.UNAUTHENTICATED
    me = await rpc_error(
        auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(tokens.access_token))
    )
    assert me.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_disabling_a_user_ends_their_sessions_and_logins(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("technicien")
    tokens = await auth_service.login(user.email, password)
    admin = bearer(await auth_service.admin_token())
    disabled = await auth_service.stub.DisableUser(
        auth_pb2.DisableUserRequest(id=user.id), metadata=admin
    )
    assert not disabled.active
    assert (
        await rpc_error(_refresh(auth_service, tokens.refresh_token))
    ).code() == grpc.StatusCode.UNAUTHENTICATED
    me = await rpc_error(
        auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(tokens.access_token))
    )
    assert me.code() == grpc.StatusCode.UNAUTHENTICATED
    login = await rpc_error(
        auth_service.stub.Login(auth_pb2.LoginRequest(email=user.email, password=password))
    )
    assert login.code() == grpc.StatusCode.UNAUTHENTICATED

    await auth_service.stub.EnableUser(auth_pb2.EnableUserRequest(id=user.id), metadata=admin)
    assert (await auth_service.login(user.email, password)).access_token


async def test_password_change_ends_other_sessions(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("bureau")
    here = await auth_service.login(user.email, password)
    elsewhere = await auth_service.login(user.email, password)
    await auth_service.stub.ChangePassword(
        auth_pb2.ChangePasswordRequest(
            current_password=password, new_password="a much better passphrase 7"
        ),
        metadata=bearer(here.access_token),
    )
    assert (
        await rpc_error(_refresh(auth_service, elsewhere.refresh_token))
    ).code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await _refresh(auth_service, here.refresh_token)).access_token
    assert (await auth_service.login(user.email, "a much better passphrase 7")).access_token


async def test_the_last_admin_cannot_be_disabled_or_demoted(auth_service: AuthFixture) -> None:
    admin_token = await auth_service.admin_token()
    me = await auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(admin_token))
    error = await rpc_error(
        auth_service.stub.DisableUser(
            auth_pb2.DisableUserRequest(id=me.id), metadata=bearer(admin_token)
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_an_unused_refresh_token_dies_after_the_idle_lifetime(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    user, password = await auth_service.create_user("bureau")
    kept = await auth_service.login(user.email, password)
    idle = await auth_service.login(user.email, password)
    clock.advance(days=13)
    kept = await _refresh(auth_service, kept.refresh_token)
    clock.advance(days=2)  # 15 days after the login, 2 after the last use
    assert (await _refresh(auth_service, kept.refresh_token)).access_token
    expired = await rpc_error(_refresh(auth_service, idle.refresh_token))
    assert expired.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_session_ends_at_its_absolute_lifetime(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    user, password = await auth_service.create_user("bureau")
    tokens = await auth_service.login(user.email, password)
    assert tokens.refresh_expires_in == 30 * 24 * 3600
    for _ in range(3):  # used every 10 days: never idle, but the session has an end
        clock.advance(days=10)
        if clock.now() < START + timedelta(days=30):
            tokens = await _refresh(auth_service, tokens.refresh_token)
    ended = await rpc_error(_refresh(auth_service, tokens.refresh_token))
    assert ended.code() == grpc.StatusCode.UNAUTHENTICATED
