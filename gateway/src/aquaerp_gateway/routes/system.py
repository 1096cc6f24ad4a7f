"""Liveness, readiness, metrics and the public signing keys."""

from __future__ import annotations

import time

from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from fastapi import APIRouter, Request, Response
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..problems import problem

router = APIRouter(tags=["system"])

JWKS_CACHE_SECONDS = 60.0


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database and auth service reachable")
async def readyz(request: Request) -> Response:
    try:
        await request.app.state.database.ping()
        stub = health_pb2_grpc.HealthStub(request.app.state.clients.channel("auth"))
        answer = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        if answer.status != health_pb2.HealthCheckResponse.SERVING:
            raise RuntimeError("auth not serving")
    except Exception:
        return problem(503, "not ready")
    return Response('{"status":"ready"}', media_type="application/json")


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/.well-known/jwks.json", summary="Public keys that sign access tokens")
async def jwks(request: Request) -> Response:
    state = request.app.state
    cached = getattr(state, "jwks_cache", None)
    if cached is None or time.monotonic() - cached[0] > JWKS_CACHE_SECONDS:
        stub = state.clients.stub("auth", auth_pb2_grpc.AuthServiceStub)
        response = await stub.GetJwks(auth_pb2.GetJwksRequest())
        cached = (time.monotonic(), response.jwks_json)
        state.jwks_cache = cached
    return Response(
        cached[1], media_type="application/json", headers={"Cache-Control": "public, max-age=60"}
    )
