"""`Idempotency-Key` on POST: the same key with the same body replays the first response; with
another body it is refused (422); while the first is still running, a duplicate gets 409.

Keys are scoped to the *verified* caller: the bearer token is checked (signature, expiry,
revocation) before any stored response is looked at, so a forged token cannot read another
caller's answer. Requests without a valid token, and the credential routes under
`/api/v1/auth/` (their answers are token pairs and second-factor secrets), are never stored.
Keys are kept `idempotency_ttl_hours`. Responses that should be retried (5xx, 401, 429) are
not kept, so a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.context import Principal, request_id_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import DomainError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import PROBLEM_JSON
from .repository import IdempotencyRepository

HEADER = b"idempotency-key"
NOT_KEPT = {401, 429}
MAX_KEY_LENGTH = 200
# Answers that carry credentials or secrets shown once: never written to the table.
NEVER_STORED_PREFIXES = ("/api/v1/auth/", "/api/v1/api-keys")

# Verifies a bearer credential and returns its caller, or raises Unauthenticated.
Authenticate = Callable[[str], Awaitable[Principal]]


async def verified_caller(headers: dict[bytes, bytes], authenticate: Authenticate) -> str | None:
    """The scope of the caller's keys, from a *verified* bearer credential; None when the
    request has no valid one (it is then passed on untouched and the route refuses it)."""
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    try:
        principal = await authenticate(credential.strip())
    except DomainError:
        return None
    return f"sub:{principal.subject}"


async def _send_problem(send: Send, status: int, detail: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Conflict" if status == 409 else "Invalid input",
            "status": status,
            "detail": detail,
            "request_id": request_id_var.get(),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        database: Database,
        ttl_hours: int,
        authenticate: Authenticate,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.app = app
        self.database = database
        self.authenticate = authenticate
        self.ttl = timedelta(hours=ttl_hours)
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].startswith(NEVER_STORED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        # Authentication first: nothing is looked up for a caller whose token does not verify.
        caller = await verified_caller(headers, self.authenticate)
        if caller is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send_problem(
                send, 422, f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters"
            )
            return

        # Read the whole body to fingerprint it, then hand it to the app unchanged.
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        fingerprint = hashlib.sha256(
            scope["method"].encode()
            + b" "
            + scope["path"].encode()
            + b"?"
            + scope.get("query_string", b"")
            + b"\n"
            + body
        ).hexdigest()

        async with self.database.unit_of_work() as session:
            repo = IdempotencyRepository(session)
            if random.random() < 0.01:
                await repo.purge_older_than(self.clock.now() - self.ttl)
            claimed = await repo.claim(caller, key, fingerprint)
            stored = None if claimed else await repo.get(caller, key)

        if stored is not None:
            if stored.request_hash != fingerprint:
                await _send_problem(
                    send, 422, "this Idempotency-Key was used with a different request"
                )
            elif stored.status_code is None:
                await _send_problem(
                    send, 409, "a request with this Idempotency-Key is still in progress"
                )
            else:
                replay_headers = [
                    (k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers or []
                ]
                replay_headers.append((b"idempotent-replayed", b"true"))
                await send(
                    {
                        "type": "http.response.start",
                        "status": stored.status_code,
                        "headers": replay_headers,
                    }
                )
                await send({"type": "http.response.body", "body": stored.body or b""})
            return

        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        # The response is held back until it is stored, so a retry arriving right after the
        # client got its answer finds the stored response, not an "in progress" key.
        start: Message | None = None
        response_body: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                response_body.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            async with self.database.unit_of_work() as session:
                await IdempotencyRepository(session).release(caller, key)
            raise
        assert start is not None
        status = int(start["status"])
        content = b"".join(response_body)
        async with self.database.unit_of_work() as session:
            repo = IdempotencyRepository(session)
            if status >= 500 or status in NOT_KEPT:
                await repo.release(caller, key)
            else:
                kept_headers = [
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in start.get("headers", [])
                    if k.lower() not in (b"x-request-id", b"traceparent")
                ]
                await repo.complete(caller, key, status, kept_headers, content, self.clock.now())
        await send(start)
        await send({"type": "http.response.body", "body": content})
