"""Baseline for bench/gateway_auth.py: a bare FastAPI app answering GET /me with the same JWT
verification and one database query, without the gRPC hop to the auth service."""

from __future__ import annotations

import os
import uuid

import uvicorn
from aquaerp_auth.config import AuthSettings
from aquaerp_auth.models import sessions, users
from aquaerp_auth.service import AuthService
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import Unauthenticated
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

settings = AuthSettings(database_url=os.environ["BASELINE_DATABASE_URL"])
database = Database.from_url(settings.database_url)
# The auth service's own verifier: same JWKS, same checks as the gateway's.
verifier = AuthService(database, settings).verifier
app = FastAPI()
bearer = HTTPBearer()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/me")
async def me(credentials: HTTPAuthorizationCredentials = Depends(bearer)) -> dict[str, object]:
    try:
        principal = await verifier.principal(credentials.credentials)
    except Unauthenticated as error:
        raise HTTPException(401, error.message) from None
    async with database.unit_of_work() as session:
        row = (
            (
                await session.execute(
                    select(
                        users.c.id,
                        users.c.email,
                        users.c.display_name,
                        users.c.roles,
                        users.c.active,
                    )
                    .join(sessions, sessions.c.user_id == users.c.id)
                    .where(
                        users.c.id == uuid.UUID(principal.subject),
                        sessions.c.id == uuid.UUID(principal.session_id),
                    )
                )
            )
            .mappings()
            .one()
        )
    return {
        "id": str(row["id"]),
        "email": row["email"],
        "display_name": row["display_name"],
        "roles": row["roles"],
    }


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["BASELINE_PORT"]),
        log_level="warning",
        access_log=False,
    )
