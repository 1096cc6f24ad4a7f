"""The whole product for the browser tests: `aquaerp up` on free ports with its own database on
the test PostgreSQL server, the built web app, and a REST client to prepare data as a user."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
from aquaerp_runtime.clock import SYSTEM_CLOCK

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
ADMIN_EMAIL = "admin@web-tests.aquaerp.local"
ADMIN_PASSWORD = "Piscine-bleue-2026!"


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Runs a coroutine to completion on a private loop in another thread, leaving the test
    session's event loop untouched."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        try:
            outcome["value"] = loop.run_until_complete(coroutine)
        except BaseException as error:
            outcome["error"] = error
        finally:
            loop.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_range(count: int, start: int) -> int:
    """First port of `count` consecutive free ports at or above `start`."""
    base = start
    while base + count < 65000:
        if all(_port_free(base + offset) for offset in range(count)):
            return base
        base += count
    raise RuntimeError("no free port range")


@dataclass
class Stack:
    base_url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            # Our own process group only (started with a new session).
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 60) -> str:
        logs = [self.log_path, *sorted((self.data_dir / "logs").glob("*.log"))]
        parts = []
        for path in logs:
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def start_stack(database_url: str, data_dir: Path, timeout: float = 180.0) -> Stack:
    # Below the kernel's ephemeral range (32768+), where servers on port 0 and outgoing
    # connections of other test runs could take a port between the check and the bind.
    seed = 20000 + (os.getpid() % 250) * 50
    http_port = free_port_range(1, seed)
    grpc_base = free_port_range(16, http_port + 1)
    metrics_base = free_port_range(16, grpc_base + 16)
    smtp_port = free_port_range(1, metrics_base + 16)
    env = {
        **os.environ,
        "AQUAERP_DATA_DIR": str(data_dir),
        "AQUAERP_DATABASE_URL": database_url,
        "AQUAERP_ADMIN_EMAIL": ADMIN_EMAIL,
        "AQUAERP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AQUAERP_WEB_DIST": str(WEB_DIST),
    }
    executable = Path(sys.executable).with_name("aquaerp")
    command = (
        [str(executable)] if executable.exists() else [sys.executable, "-m", "aquaerp_stack.cli"]
    )
    command += [
        "up",
        "--port", str(http_port),
        "--grpc-base-port", str(grpc_base),
        "--metrics-base-port", str(metrics_base),
        "--smtp-port", str(smtp_port),
    ]  # fmt: skip
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "stack.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack = Stack(f"http://127.0.0.1:{http_port}", process, data_dir, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"aquaerp up exited with {process.returncode}:\n{stack.log_tail()}")
        if b"AquaERP is running." in log_path.read_bytes():
            try:
                if httpx.get(f"{stack.base_url}/readyz", timeout=2).status_code == 200:
                    return stack
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    stack.stop()
    raise RuntimeError(f"the stack did not start in {timeout:.0f}s:\n{stack.log_tail()}")


@dataclass
class ApiUser:
    """A user of the REST API (test set-up and checks), logged in with its own tokens."""

    base_url: str
    email: str
    password: str
    totp_secret: str | None = None
    token: str = ""
    last_totp_step: int = field(default=0)

    def login(self) -> ApiUser:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            answer = client.post(
                "/api/v1/auth/login", json={"email": self.email, "password": self.password}
            )
            answer.raise_for_status()
            body = answer.json()
            if body.get("mfa_required"):
                answer = client.post(
                    "/api/v1/auth/mfa/verify",
                    json={"mfa_token": body["mfa_token"], "code": self.next_totp_code()},
                )
                answer.raise_for_status()
                self.token = answer.json()["access_token"]
            else:
                self.token = body["tokens"]["access_token"]
        return self

    def next_totp_code(self) -> str:
        """A code the server accepts: steps within ±1 of now, each newer than the last used."""
        assert self.totp_secret
        while True:
            current = int(SYSTEM_CLOCK.timestamp()) // 30
            step = max(current, self.last_totp_step + 1)
            if step <= current + 1:
                self.last_totp_step = step
                return pyotp.TOTP(self.totp_secret).at(step * 30)
            time.sleep(1)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            return client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        answer = self.request("GET", path, params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def post(
        self, path: str, body: Any = None, expected: int | tuple[int, ...] = (200, 201)
    ) -> Any:
        answer = self.request("POST", path, json=body)
        wanted = (expected,) if isinstance(expected, int) else expected
        assert answer.status_code in wanted, f"POST {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def openapi_paths(self) -> set[str]:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            document = client.get("/openapi.json").json()
        return {f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops}
