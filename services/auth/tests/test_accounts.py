"""Passwords, throttling, user administration, and what responses may never contain."""

from __future__ import annotations

import uuid

import grpc
import jwt
import pytest
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_auth import totp
from aquaerp_auth.models import outbox, users
from aquaerp_auth.passwords import check_policy
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.errors import InvalidArgument
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, bearer, rpc_error
from argon2 import extract_parameters
from sqlalchemy import select, update


async def _stored_hash(auth_service: AuthFixture, email: str) -> str:
    async with auth_service.running.ctx.database.unit_of_work() as session:
        return str(
            await session.scalar(select(users.c.password_hash).where(users.c.email == email))
        )


async def test_argon2id_parameters_are_the_owasp_ones(auth_service: AuthFixture) -> None:
    user, _ = await auth_service.create_user("bureau")
    stored = await _stored_hash(auth_service, user.email)
    parameters = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)


async def test_hash_is_upgraded_on_login_when_parameters_change(auth_service: AuthFixture) -> None:
    from argon2 import PasswordHasher

    user, password = await auth_service.create_user("bureau")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)
    async with auth_service.running.ctx.database.unit_of_work() as session:
        await session.execute(
            update(users).where(users.c.email == user.email).values(password_hash=weak)
        )
    await auth_service.login(user.email, password)
    upgraded = extract_parameters(await _stored_hash(auth_service, user.email))
    assert (upgraded.memory_cost, upgraded.time_cost) == (19456, 2)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pass1", "au moins 12"),
        ("x" * 129, "au plus 128"),
        ("password1234", "trop courant"),
        ("Qwertyuiop123", "trop courant"),
        # The passwords an attacker tries first (each accepted before this policy).
        ("123456789012", "suite de caractères"),
        ("aaaaaaaaaaaa", "répète"),
        (" " * 12, "répète"),
        ("azertyuiopqs", "suite de caractères"),
        ("aquaerp12345", "trop courant"),
        ("piscine12345", "trop courant"),
        ("motdepasse12", "trop courant"),
        ("Soleil-2026!", "trop courant"),
        ("AquaERP-Piscine!!", "nom du produit"),
        ("correct horse\x00battery", "caractère de contrôle"),
        ("tab\tin the middle of it", "caractère de contrôle"),
    ],
)
def test_password_policy(password: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        check_policy(password)
    assert reason in raised.value.message
    assert raised.value.fields == {"password": raised.value.message}


def test_the_persons_own_words_are_refused() -> None:
    with pytest.raises(InvalidArgument) as raised:
        check_policy("jean.dupont2026", email="jean.dupont@example.fr")
    assert "adresse e-mail" in raised.value.message
    with pytest.raises(InvalidArgument):
        check_policy("Dupont-Martine-1", email="x@example.fr", name="Martine Dupont")


def test_long_unusual_passwords_need_no_composition_rules() -> None:
    check_policy("all lower case but long enough")
    check_policy("éléphant rosé à vélo")
    check_policy("Piscine-bleue-2026!")  # a product word among the person's own is fine
    check_policy("x" * 40 + "yzabcdefgh" + "Q" * 14)  # 64 characters and more are accepted


async def test_weak_password_is_refused_with_the_field(auth_service: AuthFixture) -> None:
    error = await rpc_error(
        auth_service.stub.CreateUser(
            auth_pb2.CreateUserRequest(
                email="weak@test.aquaerp.local",
                password="password1234",
                roles=[auth_pb2.ROLE_BUREAU],
            ),
            metadata=bearer(await auth_service.admin_token()),
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "password" in dict(error.trailing_metadata() or ())["aquaerp-field-violations"]


async def test_duplicate_email_is_already_exists(auth_service: AuthFixture) -> None:
    user, _ = await auth_service.create_user("bureau")
    error = await rpc_error(auth_service.create_user("bureau", email=user.email.upper()))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_throttling_delays_guessing_on_the_account_from_any_address(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    user, password = await auth_service.create_user("bureau")
    bystander, bystander_password = await auth_service.create_user("bureau")
    channel = create_channel(auth_service.target)
    try:
        stub = auth_pb2_grpc.AuthServiceStub(channel)

        async def attempt(secret: str, address: str, email: str = user.email) -> grpc.StatusCode:
            try:
                await stub.Login(
                    auth_pb2.LoginRequest(email=email, password=secret),
                    metadata=(("x-client-ip", address),),
                )
            except grpc.aio.AioRpcError as error:
                return error.code()
            return grpc.StatusCode.OK

        # Every guess from a new address: the account counts them all the same.
        codes = [await attempt("wrong guess!!", f"203.0.113.{n}") for n in range(7)]
        assert codes[:5] == [grpc.StatusCode.UNAUTHENTICATED] * 5
        assert codes[5:] == [grpc.StatusCode.RESOURCE_EXHAUSTED] * 2
        # Even the right password waits out the delay, from anywhere...
        throttled = await rpc_error(
            stub.Login(
                auth_pb2.LoginRequest(email=user.email, password=password),
                metadata=(("x-client-ip", "198.51.100.7"),),
            )
        )
        assert throttled.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        retry_after = int(dict(throttled.trailing_metadata() or ())["retry-after"])
        # ...a short delay (1 s doubled per further failure), not a lockout...
        assert 0 < retry_after <= 2
        # ...and other accounts from the same addresses are not slowed down at all.
        assert await attempt(bystander_password, "203.0.113.1", bystander.email) == (
            grpc.StatusCode.OK
        )
        # Each failure after the free ones doubles the delay.
        clock.advance(seconds=retry_after)
        assert await attempt("wrong guess!!", "203.0.113.99") == grpc.StatusCode.UNAUTHENTICATED
        doubled = await rpc_error(
            stub.Login(auth_pb2.LoginRequest(email=user.email, password=password))
        )
        assert int(dict(doubled.trailing_metadata() or ())["retry-after"]) == 2 * retry_after
        clock.advance(seconds=2 * retry_after)
        assert await attempt(password, "198.51.100.7") == grpc.StatusCode.OK
        # A success clears the count.
        assert await attempt("wrong guess!!", "203.0.113.1") == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await channel.close()


async def test_failed_logins_are_audited(auth_service: AuthFixture) -> None:
    user, _ = await auth_service.create_user("bureau")
    await rpc_error(
        auth_service.stub.Login(
            auth_pb2.LoginRequest(email=user.email, password="not the password")
        )
    )
    async with auth_service.running.ctx.database.unit_of_work() as session:
        events = (
            await session.execute(
                select(outbox.c.event_type, outbox.c.payload).where(
                    outbox.c.aggregate_id == user.id
                )
            )
        ).all()
    assert ("auth.user.login_failed", user.email) in [(t, p.get("email")) for t, p in events]


async def test_role_change_is_audited(auth_service: AuthFixture) -> None:
    user, _ = await auth_service.create_user("bureau")
    admin = bearer(await auth_service.admin_token())
    updated = await auth_service.stub.UpdateUser(
        auth_pb2.UpdateUserRequest(id=user.id, roles=[auth_pb2.ROLE_COMPTA], update_roles=True),
        metadata=admin,
    )
    assert list(updated.roles) == [auth_pb2.ROLE_COMPTA]
    async with auth_service.running.ctx.database.unit_of_work() as session:
        payloads = (
            await session.scalars(
                select(outbox.c.payload).where(
                    outbox.c.aggregate_id == user.id,
                    outbox.c.event_type == "auth.user.roles_changed",
                )
            )
        ).all()
    assert payloads and payloads[0]["before"] == ["bureau"] and payloads[0]["after"] == ["compta"]


async def test_responses_never_contain_hashes_or_totp_secrets(
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
    stored_hash = await _stored_hash(auth_service, user.email)
    admin = bearer(await auth_service.admin_token())
    responses = [
        await auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(token)),
        await auth_service.stub.GetUser(auth_pb2.GetUserRequest(id=user.id), metadata=admin),
        await auth_service.stub.ListUsers(
            auth_pb2.ListUsersRequest(query=user.email), metadata=admin
        ),
    ]
    for response in responses:
        raw = response.SerializeToString()
        assert stored_hash.encode() not in raw and b"$argon2" not in raw
        assert enrolment.secret.encode() not in raw
    claims = jwt.decode(token, options={"verify_signature": False})
    assert enrolment.secret not in str(claims) and "argon2" not in str(claims)


async def test_unknown_user_id_is_not_found(auth_service: AuthFixture) -> None:
    admin = bearer(await auth_service.admin_token())
    for bad in (str(uuid.uuid4()), "not-a-uuid"):
        error = await rpc_error(
            auth_service.stub.GetUser(auth_pb2.GetUserRequest(id=bad), metadata=admin)
        )
        assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_list_users_paginates(auth_service: AuthFixture) -> None:
    admin = bearer(await auth_service.admin_token())
    for _ in range(3):
        await auth_service.create_user("technicien")
    seen: list[str] = []
    token = ""
    while True:
        page = await auth_service.stub.ListUsers(
            auth_pb2.ListUsersRequest(
                role=auth_pb2.ROLE_TECHNICIEN, page={"page_size": 2, "page_token": token}
            ),
            metadata=admin,
        )
        seen += [u.email for u in page.users]
        token = page.page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) >= 3
    assert seen == sorted(seen)


async def test_role_requiring_mfa_gets_no_roles_until_enrolled(
    auth_service: AuthFixture, services: ServiceHarness, clock: FixedClock
) -> None:
    strict = await services.start(load_service("auth"), clock=clock, mfa_required_roles=["compta"])
    channel = create_channel(strict.target)
    try:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        user, password = await auth_service.create_user("compta")
        tokens = (
            await stub.Login(auth_pb2.LoginRequest(email=user.email, password=password))
        ).tokens
        claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
        assert claims["roles"] == [] and claims["mfa_enrollment_required"] is True
        enrolment = await stub.EnrollTotp(
            auth_pb2.EnrollTotpRequest(), metadata=bearer(tokens.access_token)
        )
        await stub.ConfirmTotp(
            auth_pb2.ConfirmTotpRequest(code=totp.code_at(enrolment.secret, clock.timestamp())),
            metadata=bearer(tokens.access_token),
        )
        refreshed = await stub.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=tokens.refresh_token)
        )
        assert jwt.decode(refreshed.access_token, options={"verify_signature": False})["roles"] == [
            "compta"
        ]
    finally:
        await channel.close()


async def test_service_accounts_get_short_lived_service_tokens(auth_service: AuthFixture) -> None:
    admin = bearer(await auth_service.admin_token())
    account = await auth_service.stub.CreateServiceAccount(
        auth_pb2.CreateServiceAccountRequest(name="billing-robot"), metadata=admin
    )
    issued = await auth_service.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(
            client_id=account.client_id, client_secret=account.client_secret
        )
    )
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert claims["roles"] == ["service"] and issued.expires_in <= 600
    wrong = await rpc_error(
        auth_service.stub.IssueServiceToken(
            auth_pb2.IssueServiceTokenRequest(client_id=account.client_id, client_secret="guess")
        )
    )
    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED
