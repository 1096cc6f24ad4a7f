"""Helpers shared by the benchmarks: a database, processes, a small HTTP load generator."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aquaerp_runtime.postgres import ensure_database, start_embedded, with_database

ROOT = Path(__file__).resolve().parent.parent


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
