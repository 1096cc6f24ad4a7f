"""`aquaerp up` in a subprocess for the end-to-end tests: its own database, ports and data
directory, every service a real process (`replicas` of each) found by its port."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import random
import signal
import socket
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import grpc
from aquaerp_runtime.testing import polling
from grpc_health.v1 import health_pb2, health_pb2_grpc


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_block(size: int) -> int:
    for _ in range(200):
        base = random.randrange(20_000, 60_000 - size)
        if all(port_free(base + offset) for offset in range(size)):
            return base
    raise RuntimeError("no free block of ports")


def children(parent: int) -> dict[int, str]:
    """The command lines of a process's children, by pid."""
    listing = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(parent)], capture_output=True, text=True
    ).stdout
    result = {}
    for line in listing.splitlines():
        pid, _, args = line.strip().partition(" ")
        result[int(pid)] = args
    return result


def environment(pid: int) -> dict[str, str]:
    """A process's environment; empty once it has exited."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return {}
    return dict(item.decode().partition("=")[::2] for item in raw if b"=" in item)


class LocalStack:
    """`aquaerp up --replicas N`; ports come from one free block: gRPC, metrics, then HTTP (the
    gateway, the SMTP sink and one spare port for a test's own extra gateway)."""

    # Settings given to every process of the stack.
    extra_env: dict[str, str] = {}

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        *,
        admin_email: str,
        admin_password: str,
        replicas: int = 1,
    ) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.admin_email, self.admin_password = admin_email, admin_password
        self.replicas = replicas
        base = free_block(30 * replicas)
        self.grpc_base, self.metrics_base = base, base + 10 * replicas
        self.http_port = base + 20 * replicas
        self.smtp_port, self.spare_port = self.http_port + 1, self.http_port + 2
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self.services: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    def grpc_port(self, service: str, replica: int = 0) -> int:
        return self.grpc_base + self.services.index(service) * self.replicas + replica

    def target(self, service: str) -> str:
        return f"127.0.0.1:{self.grpc_port(service)}"

    async def start(self) -> None:
        env = {
            **os.environ,
            "AQUAERP_DATABASE_URL": self.database_url,
            "AQUAERP_DATA_DIR": str(self.data_dir),
            "AQUAERP_ADMIN_EMAIL": self.admin_email,
            "AQUAERP_ADMIN_PASSWORD": self.admin_password,
            **self.extra_env,
        }
        ports = {
            "--replicas": self.replicas,
            "--port": self.http_port,
            "--grpc-base-port": self.grpc_base,
            "--metrics-base-port": self.metrics_base,
            "--smtp-port": self.smtp_port,
        }
        arguments = [str(part) for option in ports.items() for part in option]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aquaerp_stack.cli",
            "up",
            *arguments,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        ready = asyncio.Event()

        async def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            async for raw in self.process.stdout:
                line = raw.decode(errors="replace").rstrip()
                self.output.append(line)
                if line.startswith("services: "):
                    self.services = line.removeprefix("services: ").split(", ")
                if line == "AquaERP is running.":
                    ready.set()
            ready.set()

        self._reader = asyncio.create_task(read())
        await asyncio.wait_for(ready.wait(), 600)
        if "AquaERP is running." not in self.output:
            raise AssertionError("aquaerp up failed:\n" + "\n".join(self.output[-60:]))

    def children(self) -> dict[int, str]:
        assert self.process is not None
        return children(self.process.pid)

    def service_pid(self, service: str, replica: int = 0) -> int | None:
        """The process serving `service`'s replica (by its gRPC port), None while it has none."""
        port = str(self.grpc_port(service, replica))
        for pid, args in self.children().items():
            if args.endswith(f"-m aquaerp_{service}"):
                env = environment(pid)
                if any(k.endswith("GRPC_PORT") and v == port for k, v in env.items()):
                    return pid
        return None

    async def serving(self, service: str, replica: int = 0) -> bool:
        target = f"127.0.0.1:{self.grpc_port(service, replica)}"
        async with grpc.aio.insecure_channel(target) as channel:
            try:
                answer = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
            except grpc.aio.AioRpcError:
                return False
        return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

    async def restart(self, service: str, replica: int = 0) -> None:
        """SIGTERM to one replica; the stack starts it again. Returns once the new one serves."""
        old = self.service_pid(service, replica)
        assert old is not None, f"no {service} replica {replica} under the stack"
        os.kill(old, signal.SIGTERM)

        async def replaced() -> bool:
            pid = self.service_pid(service, replica)
            return pid not in (None, old) and await self.serving(service, replica)

        await polling.eventually(
            replaced, timeout=180, interval=0.2, what=f"{service}-{replica + 1} replaced"
        )

    def emails(self) -> list[EmailMessage]:
        folder = self.data_dir / "mail"
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            await self._reader
