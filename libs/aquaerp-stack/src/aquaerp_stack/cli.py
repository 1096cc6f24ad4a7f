"""`aquaerp up`: the whole product on one machine.

Starts PostgreSQL (embedded unless AQUAERP_DATABASE_URL is set), applies every migration,
starts each installed service (`--replicas 2` runs two processes per service behind
client-side round-robin), the gateway and the development mail sink, creates the first
administrator, optionally seeds demo data, prints the URLs, and stops everything on Ctrl-C.
Services are found through the `aquaerp.services` entry points: a new service needs no edit here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.postgres import ensure_database, start_embedded, with_database
from aquaerp_runtime.service import ServiceSpec, discover_services
from aquaerp_runtime.waiting import wait_for_event
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AQUAERP_")

    database_url: str = ""
    data_dir: Path = Path(".aquaerp")
    # A special-use domain such as .local would be refused as an email recipient.
    admin_email: str = "admin@aquaerp.example"
    admin_password: str = ""
    web_dist: Path = Path("web/dist")


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.command,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def exit_code(self) -> int | None:
        return self.popen.returncode if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Stack:
    settings: StackSettings
    replicas: int
    http_port: int
    base_port: int
    metrics_base_port: int
    smtp_port: int
    processes: list[Process] = field(default_factory=list)
    database_url: str = ""

    @property
    def logs(self) -> Path:
        return self.settings.data_dir / "logs"


def _python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


# A process that imports a lot (PDF rendering) may take minutes to serve on a busy machine.
START_TIMEOUT = 180.0


async def _wait_serving(port: int, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                answer = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing serving on port {port} after {timeout:.0f}s")
            await asyncio.sleep(0.2)


async def _wait_http(port: int, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
            await writer.drain()
            status = await reader.readline()
            writer.close()
            if b" 200 " in status:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gateway not answering on port {port} after {timeout:.0f}s")
        await asyncio.sleep(0.2)


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


async def prepare_database(stack: Stack) -> None:
    settings = stack.settings
    if settings.database_url:
        server_url = settings.database_url
    else:
        _server, server_url = start_embedded(settings.data_dir / "pgdata")
    stack.database_url = (
        with_database(server_url, "aquaerp") if not settings.database_url else server_url
    )
    await ensure_database(stack.database_url)


def service_env(
    stack: Stack,
    spec: ServiceSpec,
    specs: dict[str, ServiceSpec],
    index: int,
    replica: int,
    accounts: dict[str, str],
) -> dict[str, str]:
    prefix = spec.env_prefix
    port = stack.base_port + index * stack.replicas + replica
    env = {
        f"{prefix}DATABASE_URL": stack.database_url,
        f"{prefix}GRPC_HOST": "127.0.0.1",
        f"{prefix}GRPC_PORT": str(port),
        f"{prefix}METRICS_PORT": str(stack.metrics_base_port + index * stack.replicas + replica),
        f"{prefix}TARGETS": json.dumps(targets(stack, specs)),
        # As on Kubernetes: after NOT_SERVING, a second for the clients (they watch health) to
        # leave the replica and for the calls it has already received to start, before it
        # refuses new ones (stopping earlier would cancel calls it received but had not started).
        f"{prefix}DRAIN_DELAY": "1",
        f"{prefix}SERVICE_CLIENT_ID": spec.name,
        f"{prefix}SERVICE_CLIENT_SECRET": accounts[spec.name],
        f"{prefix}SMTP_HOST": "127.0.0.1",
        f"{prefix}SMTP_PORT": str(stack.smtp_port),
        f"{prefix}SMTP_STARTTLS": "false",
        f"{prefix}PUBLISH_EVENTS": "true" if "workflow" in specs else "false",
    }
    if spec.name == "auth":
        env[f"{prefix}SERVICE_ACCOUNTS"] = json.dumps(accounts)
    return env


def targets(stack: Stack, specs: dict[str, ServiceSpec]) -> dict[str, str]:
    result = {}
    for index, name in enumerate(specs):
        ports = [stack.base_port + index * stack.replicas + r for r in range(stack.replicas)]
        result[name] = "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports)
    return result


async def up(stack: Stack, *, demo: bool) -> None:
    specs = discover_services()
    print(f"services: {', '.join(specs)}", flush=True)
    await prepare_database(stack)
    for spec in specs.values():
        if spec.migrations is not None:
            await upgrade_async(spec.migrations, stack.database_url, spec.schema)
    _run(_python_module("aquaerp_gateway", "migrate"), {"GATEWAY_DATABASE_URL": stack.database_url})

    admin_line = ""
    if "auth" in specs:
        admin_env = {"AUTH_DATABASE_URL": stack.database_url}
        command = ["create-admin", "--email", stack.settings.admin_email]
        if stack.settings.admin_password:
            command += ["--password", stack.settings.admin_password]
        output = _run(_python_module("aquaerp_auth", *command), admin_env).strip().splitlines()[-1]
        if output.startswith("created "):
            _, email, password = output.split(" ", 2)
            admin_line = f"first administrator created: {email} / {password}  (shown once)"
        else:
            admin_line = f"administrator: {stack.settings.admin_email} (already exists)"

    # The gateway's account vouches for the end user's address it forwards to the services.
    accounts = {name: secrets.token_urlsafe(24) for name in [*specs, "gateway"]}
    sink = stack.settings.data_dir / "mail"
    stack.processes.append(
        Process(
            "mail-sink",
            _python_module(
                "aquaerp_stack.mail_sink",
                "--port",
                str(stack.smtp_port),
                "--dir",
                str(sink),
            ),
            {},
            stack.logs / "mail-sink.log",
        )
    )
    for index, spec in enumerate(specs.values()):
        for replica in range(stack.replicas):
            stack.processes.append(
                Process(
                    f"{spec.name}-{replica + 1}",
                    _python_module(spec.module),
                    service_env(stack, spec, specs, index, replica, accounts),
                    stack.logs / f"{spec.name}-{replica + 1}.log",
                )
            )
    for process in stack.processes:
        process.start()
    for index, _spec in enumerate(specs.values()):
        for replica in range(stack.replicas):
            await _wait_serving(stack.base_port + index * stack.replicas + replica)

    gateway_env = {
        "GATEWAY_DATABASE_URL": stack.database_url,
        "GATEWAY_HTTP_HOST": "127.0.0.1",
        "GATEWAY_HTTP_PORT": str(stack.http_port),
        "GATEWAY_TARGETS": json.dumps(targets(stack, specs)),
        "GATEWAY_DEV_ROUTES": "true",
        "GATEWAY_MAIL_SINK_DIR": str(sink.resolve()),
        "GATEWAY_SERVICE_CLIENT_ID": "gateway",
        "GATEWAY_SERVICE_CLIENT_SECRET": accounts["gateway"],
    }
    if stack.settings.web_dist.is_dir():
        gateway_env["GATEWAY_WEB_DIST"] = str(stack.settings.web_dist.resolve())
    gateway = Process(
        "gateway", _python_module("aquaerp_gateway"), gateway_env, stack.logs / "gateway.log"
    )
    stack.processes.append(gateway)
    gateway.start()
    await _wait_http(stack.http_port)

    if demo:
        for spec in specs.values():
            if "seed-demo" in spec.commands:
                env = {
                    f"{spec.env_prefix}DATABASE_URL": stack.database_url,
                    f"{spec.env_prefix}TARGETS": json.dumps(targets(stack, specs)),
                    f"{spec.env_prefix}SERVICE_CLIENT_ID": spec.name,
                    f"{spec.env_prefix}SERVICE_CLIENT_SECRET": accounts[spec.name],
                }
                print(_run(_python_module(spec.module, "seed-demo"), env).strip(), flush=True)

    base = f"http://127.0.0.1:{stack.http_port}"
    lines = [
        "",
        "AquaERP is running.",
        f"  web app        {base}/"
        + ("" if "GATEWAY_WEB_DIST" in gateway_env else "  (not built: run ./scripts/build-web)"),
        f"  REST API       {base}/api/v1   (OpenAPI: {base}/docs)",
        f"  mailbox (dev)  {base}/api/v1/dev/mail   ({sink})",
        f"  metrics        {base}/metrics",
        "  gRPC           "
        + ", ".join(f"{n} {t.removeprefix('ipv4:')}" for n, t in targets(stack, specs).items()),
        f"  logs           {stack.logs}/",
    ]
    if admin_line:
        lines.append(f"  {admin_line}")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)


async def supervise(stack: Stack, stop: asyncio.Event) -> None:
    """Restarts a process that died on its own (not during shutdown), with a short pause."""
    while not stop.is_set():
        for process in stack.processes:
            if not process.alive() and not stop.is_set():
                process.restarts += 1
                print(
                    f"{process.name} exited (code {process.exit_code()}); "
                    f"restarting (see {process.log_path})",
                    flush=True,
                )
                process.start()
        await wait_for_event(stop, 1.0)


def shutdown(stack: Stack, timeout: float = 15.0) -> None:
    # The gateway first, then services (they drain in-flight calls), then the mail sink.
    for process in reversed(stack.processes):
        if process.alive():
            assert process.popen is not None
            process.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in stack.processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()


async def run_up(stack: Stack, demo: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await up(stack, demo=demo)
        await supervise(stack, stop)
    finally:
        print("stopping...", flush=True)
        shutdown(stack)
        print("stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aquaerp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="run the whole system")
    up_parser.add_argument(
        "--replicas", type=int, default=1, help="processes per service (default 1)"
    )
    up_parser.add_argument("--demo", action="store_true", help="seed demo data")
    up_parser.add_argument("--port", type=int, default=8000, help="gateway HTTP port")
    up_parser.add_argument("--grpc-base-port", type=int, default=50051)
    up_parser.add_argument("--metrics-base-port", type=int, default=9100)
    up_parser.add_argument("--smtp-port", type=int, default=2525)
    options = parser.parse_args(argv)
    stack = Stack(
        settings=StackSettings(),
        replicas=max(1, options.replicas),
        http_port=options.port,
        base_port=options.grpc_base_port,
        metrics_base_port=options.metrics_base_port,
        smtp_port=options.smtp_port,
    )
    return asyncio.run(run_up(stack, options.demo))


if __name__ == "__main__":
    sys.exit(main())
