"""GET /api/v1/auth/me through gateway -> auth (gRPC) vs. a bare FastAPI app doing the same JWT
verification and one database query without the gRPC hop. Also the idle memory of every
service process.

    uv run python bench/gateway_auth.py [--requests 20000] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.service import discover_services
from aquaerp_runtime.testing.ports import free_port
from common import ROOT, bench_database, http_load, rss_mb, start_process, wait_http
from grpc_health.v1 import health_pb2, health_pb2_grpc

ADMIN_EMAIL = "bench@aquaerp.local"
ADMIN_PASSWORD = "a benchmark passphrase 2026"


async def wait_grpc(port: int, timeout: float = 180) -> None:
    # A deadline rather than a count of attempts: on a busy machine start-up takes longer.
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    logs = ROOT / ".aquaerp" / "bench-logs"

    url = await bench_database("aquaerp_bench_gateway")
    specs = discover_services()
    for spec in specs.values():
        if spec.migrations:
            await upgrade_async(spec.migrations, url, spec.schema)
    await upgrade_async(ROOT / "gateway/src/aquaerp_gateway/migrations", url, "gateway")

    processes = {}
    ports = {name: free_port() for name in specs}
    targets = {name: f"ipv4:127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for name, spec in specs.items():
            prefix = spec.env_prefix
            env = {
                f"{prefix}DATABASE_URL": url,
                f"{prefix}GRPC_HOST": "127.0.0.1",
                f"{prefix}GRPC_PORT": str(ports[name]),
                f"{prefix}TARGETS": json.dumps(targets),
                f"{prefix}PUBLISH_EVENTS": "false",
                f"{prefix}LOG_LEVEL": "WARNING",
            }
            if name == "auth":
                env |= {
                    "AUTH_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                    "AUTH_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                }
            processes[name] = start_process(["-m", spec.module], env, logs / f"{name}.log")
        for port in ports.values():
            await wait_grpc(port)

        gateway_port, baseline_port = free_port(), free_port()
        processes["gateway"] = start_process(
            ["-m", "aquaerp_gateway"],
            {
                "GATEWAY_DATABASE_URL": url,
                "GATEWAY_HTTP_HOST": "127.0.0.1",
                "GATEWAY_HTTP_PORT": str(gateway_port),
                "GATEWAY_TARGETS": json.dumps(targets),
                "GATEWAY_LOG_LEVEL": "WARNING",
            },
            logs / "gateway.log",
        )
        baseline = start_process(
            [str(ROOT / "bench" / "baseline_me_app.py")],
            {"BASELINE_DATABASE_URL": url, "BASELINE_PORT": str(baseline_port)},
            logs / "baseline.log",
        )
        processes["baseline"] = baseline
        await wait_http(gateway_port)
        await wait_http(baseline_port)
        await asyncio.sleep(2)
        idle = {name: rss_mb(p.pid) for name, p in processes.items() if name != "baseline"}

        async with grpc.aio.insecure_channel(targets["auth"]) as channel:
            login = await auth_pb2_grpc.AuthServiceStub(channel).Login(
                auth_pb2.LoginRequest(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
            )
        headers = {"Authorization": f"Bearer {login.tokens.access_token}"}

        # Warm both paths (JWKS caches, connection pools), then measure them back to back.
        await http_load(gateway_port, "/api/v1/auth/me", headers, connections=8, requests=500)
        await http_load(baseline_port, "/me", headers, connections=8, requests=500)
        ours = await http_load(
            gateway_port,
            "/api/v1/auth/me",
            headers,
            connections=options.connections,
            requests=options.requests,
        )
        base = await http_load(
            baseline_port,
            "/me",
            headers,
            connections=options.connections,
            requests=options.requests,
        )

        print(
            f"GET /me, {options.requests} requests, {options.connections} concurrent connections, {os.cpu_count()} cores"
        )
        print(ours.line("gateway -> auth (gRPC)"))
        print(base.line("baseline: FastAPI + JWT + 1 query"))
        print(
            f"throughput ratio (ours / baseline): {ours.rps / base.rps:.2f}   (target >= 0.5; p99 target < 50 ms)"
        )
        print(
            "idle RSS per process (MB): "
            + ", ".join(f"{n} {v:.0f}" for n, v in idle.items())
            + "   (target < 150)"
        )
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(15)
            except Exception:
                process.kill()
        time.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main())
