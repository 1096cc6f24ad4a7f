"""GET /api/v1/auth/me through gateway -> auth (gRPC) vs. a bare FastAPI app doing the same JWT
verification and one database query without the gRPC hop. Also the idle memory of every
service process.

    uv run python bench/gateway_auth.py [--requests 20000] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.service import discover_services
from aquaerp_runtime.testing.ports import free_port
from common import (
    LOGS,
    ROOT,
    admin_token,
    bench_database,
    http_load,
    rss_mb,
    service_env,
    start_gateway,
    start_process,
    wait_grpc,
    wait_http,
)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()

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
            env = service_env(spec, url, ports[name], targets)
            processes[name] = start_process(["-m", spec.module], env, LOGS / f"{name}.log")
        for port in ports.values():
            await wait_grpc(port)

        baseline_port = free_port()
        processes["gateway"], gateway_port = start_gateway(url, targets, LOGS / "gateway.log")
        baseline = start_process(
            [str(ROOT / "bench" / "baseline_me_app.py")],
            {"BASELINE_DATABASE_URL": url, "BASELINE_PORT": str(baseline_port)},
            LOGS / "baseline.log",
        )
        processes["baseline"] = baseline
        await wait_http(gateway_port)
        await wait_http(baseline_port)
        await asyncio.sleep(2)
        idle = {name: rss_mb(p.pid) for name, p in processes.items() if name != "baseline"}

        headers = {"Authorization": f"Bearer {await admin_token(targets['auth'])}"}

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
