"""Helpers shared by the benchmarks: a database, service and gateway processes, the
administrator's token, a small HTTP load generator."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.postgres import ensure_database, start_embedded, with_database
from aquaerp_runtime.service import ServiceSpec
from aquaerp_runtime.testing.ports import free_port
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".aquaerp" / "bench-logs"
ADMIN_EMAIL = "bench@aquaerp.local"
ADMIN_PASSWORD = "a benchmark passphrase 2026"
SERVICE_SECRET = "bench-service-secret-2026"


async def bench_database(name: str) -> str:
    """A fresh database: on AQUAERP_DATABASE_URL's server if set, else the embedded one."""
    server = (
        os.environ.get("AQUAERP_DATABASE_URL") or start_embedded(ROOT / ".aquaerp" / "pgdata")[1]
    )
    url = with_database(server, name)
    await ensure_database(url, recreate=True)
    return url


def start_process(args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def service_env(
    spec: ServiceSpec, url: str, port: int, targets: dict[str, str], **extra: str
) -> dict[str, str]:
    """A service's settings for a benchmark: its database, port and peers, no events, quiet
    logs; `extra` names settings without the service's prefix (`DATABASE_POOL_SIZE="8"`)."""
    prefix = spec.env_prefix
    env = {
        f"{prefix}DATABASE_URL": url,
        f"{prefix}GRPC_HOST": "127.0.0.1",
        f"{prefix}GRPC_PORT": str(port),
        f"{prefix}TARGETS": json.dumps(targets),
        f"{prefix}PUBLISH_EVENTS": "false",
        f"{prefix}LOG_LEVEL": "WARNING",
    } | {f"{prefix}{name}": value for name, value in extra.items()}
    if spec.name == "auth":
        env |= {
            "AUTH_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "AUTH_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            # The benchmark's administrator works without a second factor.
            "AUTH_MFA_REQUIRED_ROLES": "",
        }
    return env


async def wait_grpc(port: int, timeout: float = 300) -> None:
    """Until the service on `port` is serving; a deadline rather than a count of attempts, as
    start-up takes longer on a busy machine."""
    deadline = time.monotonic() + timeout
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                if (await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)).status == 1:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"service on {port} did not start")


def start_gateway(
    url: str, targets: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """The gateway in front of `targets`, on a free port (wait for it with wait_http)."""
    port = free_port()
    env = {
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_HTTP_HOST": "127.0.0.1",
        "GATEWAY_HTTP_PORT": str(port),
        "GATEWAY_TARGETS": json.dumps(targets),
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    return start_process(["-m", "aquaerp_gateway"], env, log), port


async def admin_token(auth_target: str) -> str:
    """An access token of the benchmark's administrator (see service_env)."""
    async with grpc.aio.insecure_channel(auth_target) as channel:
        login = await auth_pb2_grpc.AuthServiceStub(channel).Login(
            auth_pb2.LoginRequest(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        )
    return login.tokens.access_token


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_http(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = await _get_once(port, path, {})
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"nothing on port {port}")


async def _get_once(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(_request(path, headers, close=True))
        await writer.drain()
        return await _read_response(reader)
    finally:
        writer.close()


def _request(path: str, headers: dict[str, str], close: bool = False) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def line(self, label: str) -> str:
        return (
            f"{label:<34} {self.rps:8.0f} req/s   p50 {self.percentile(50):6.2f} ms   "
            f"p99 {self.percentile(99):6.2f} ms   errors {self.errors}"
        )


async def http_load(
    port: int, path: str, headers: dict[str, str], *, connections: int, requests: int
) -> LoadResult:
    """`requests` GETs over `connections` keep-alive connections; latency per request."""
    latencies: list[float] = []
    errors = 0
    remaining = requests
    payload = _request(path, headers)

    async def worker() -> None:
        nonlocal remaining, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                writer.write(payload)
                await writer.drain()
                status, _ = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return LoadResult(requests, errors, time.perf_counter() - started, latencies)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
