"""Load for rolling upgrades: mixed reads and idempotent writes through the gateway, every
response checked, until told to stop; then every acknowledged write is looked up once.

Used by tests/e2e/test_rolling_restart.py (the local stack restarted one replica at a time) and
by the kind workflow (a rolling update and a rollback of one Deployment):

    uv run python bench/rollout_load.py --url http://127.0.0.1 --host aquaerp.local \\
        --email admin@... --password ... --stop-file /tmp/stop [--phase-file /tmp/phase]

It prints the request count, failures and p99 per phase (a phase is whatever the caller names
it: "before", "during", ...), the writes acknowledged, lost and duplicated, and exits 1 on any
failed request, lost or duplicated write.

A write is `POST /api/v1/customers` with an `Idempotency-Key` and a unique billing address; a
write is lost when its customer is not found afterwards, duplicated when found twice. A read is
one of the list routes of every service.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

READS = [
    "/api/v1/auth/me",
    "/api/v1/customers?page_size=20",
    "/api/v1/contracts?page_size=20",
    "/api/v1/technicians?page_size=20",
    "/api/v1/invoices?page_size=20",
    "/api/v1/emails?page_size=20",
    "/api/v1/workflows/definitions",
]
WRITE_SHARE = 4  # one request in four is a write


@dataclass
class Report:
    requests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def p99(self, phase: str) -> float:
        values = self.latencies.get(phase, [])
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=100)[98]

    @property
    def ok(self) -> bool:
        return not (self.failures or self.lost or self.duplicated)

    def lines(self) -> list[str]:
        lines = [
            f"{phase}: {count} requests, p99 {self.p99(phase) * 1000:.0f} ms"
            for phase, count in self.requests.items()
        ]
        lines.append(
            f"writes: {len(self.acknowledged)} acknowledged, {len(self.lost)} lost, "
            f"{len(self.duplicated)} duplicated; failed requests: {len(self.failures)}"
        )
        lines += [f"  failed: {failure}" for failure in self.failures[:20]]
        return lines


class Endpoints:
    """Gateways in rotation, round robin: what the ingress does with the ready pods."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = list(urls)
        self._next = itertools.count()

    def pick(self) -> str:
        urls = self.urls
        return urls[next(self._next) % len(urls)]


class Load:
    def __init__(
        self,
        endpoints: Endpoints,
        email: str,
        password: str,
        *,
        host: str | None = None,
        concurrency: int = 4,
        rate: float = 0,
    ) -> None:
        self.endpoints = endpoints
        self.email, self.password = email, password
        self.headers = {"Host": host} if host else {}
        self.concurrency = concurrency
        # Requests per second over all workers (0: as fast as they go); an ingress rate limit
        # would otherwise answer 503.
        self.pause = concurrency / rate if rate else 0.0
        self.phase = "before"
        self.report = Report()
        self.client = httpx.AsyncClient(timeout=30)
        self.tag = uuid.uuid4().hex[:8]
        self.renew_at = float("inf")
        self._login_lock = asyncio.Lock()

    async def login(self) -> None:
        response = await self.client.post(
            self.endpoints.pick() + "/api/v1/auth/login",
            json={"email": self.email, "password": self.password},
            headers=self.headers,
        )
        response.raise_for_status()
        body = response.json()
        tokens = body.get("tokens", body)
        self.headers = {**self.headers, "Authorization": f"Bearer {tokens['access_token']}"}
        # A run may outlast the access token: log in again halfway through its lifetime.
        lifetime = float(tokens.get("expires_in") or 0)
        self.renew_at = time.monotonic() + lifetime / 2 if lifetime else float("inf")

    async def _fresh_token(self) -> None:
        async with self._login_lock:
            if time.monotonic() >= self.renew_at:
                await self.login()

    async def _request(
        self, method: str, path: str, *, extra_headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response | None:
        phase = self.phase
        started = time.perf_counter()
        try:
            response = await self.client.request(
                method,
                self.endpoints.pick() + path,
                headers={**self.headers, **(extra_headers or {})},
                **kwargs,
            )
        except httpx.HTTPError as error:
            self.report.failures.append(f"{phase} {method} {path}: {error!r}")
            return None
        finally:
            self.report.requests[phase] += 1
        self.report.latencies[phase].append(time.perf_counter() - started)
        if response.status_code >= 300:
            self.report.failures.append(
                f"{phase} {method} {path}: {response.status_code} {response.text[:200]}"
            )
            return None
        return response

    async def _worker(self, number: int, stop: asyncio.Event) -> None:
        for step in itertools.count(number):
            if stop.is_set():
                return
            started = time.monotonic()
            if started >= self.renew_at:
                await self._fresh_token()
            if step % WRITE_SHARE == 0:
                await self.write()
            else:
                await self._request("GET", READS[step % len(READS)])
            await asyncio.sleep(max(0.0, self.pause - (time.monotonic() - started)))

    async def write(self) -> None:
        key = f"{self.tag}-{uuid.uuid4().hex[:12]}"
        body = {
            "type": "private",
            "name": f"Rolling {key}",
            "billing_email": f"rolling-{key}@example.fr",
        }
        response = await self._request(
            "POST", "/api/v1/customers", json=body, extra_headers={"Idempotency-Key": key}
        )
        if response is not None:
            self.report.acknowledged.append(key)

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._worker(n, stop) for n in range(self.concurrency)))

    async def verify(self) -> None:
        """Every acknowledged write exists exactly once: one search for this run's customers,
        page by page, counted by write key."""
        found: dict[str, int] = defaultdict(int)
        token = ""
        while True:
            await asyncio.sleep(self.pause / self.concurrency)
            if time.monotonic() >= self.renew_at:
                await self._fresh_token()
            response = await self.client.get(
                self.endpoints.pick() + "/api/v1/customers",
                params={"q": f"rolling-{self.tag}-", "page_size": 100, "page_token": token},
                headers=self.headers,
            )
            response.raise_for_status()
            page = response.json()
            for customer in page["items"]:
                key = customer["billing_email"].removeprefix("rolling-").partition("@")[0]
                found[key] += 1
            token = page["page"]["next_page_token"]
            if not token:
                break
        self.report.lost = [key for key in self.report.acknowledged if found[key] == 0]
        self.report.duplicated = [key for key, count in found.items() if count > 1]

    async def close(self) -> None:
        await self.client.aclose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", required=True, help="gateway base URL")
    parser.add_argument("--host", help="Host header (an ingress rule)")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--stop-file", type=Path, required=True, help="stop when it exists")
    parser.add_argument("--phase-file", type=Path, help="its content names the current phase")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0, help="requests/s in all (0: no limit)")
    parser.add_argument("--max-seconds", type=float, default=1800)
    options = parser.parse_args()
    load = Load(
        Endpoints(options.url),
        options.email,
        options.password,
        host=options.host,
        concurrency=options.concurrency,
        rate=options.rate,
    )
    stop = asyncio.Event()

    async def watch() -> None:
        deadline = time.monotonic() + options.max_seconds
        while not options.stop_file.exists() and time.monotonic() < deadline:
            if options.phase_file and options.phase_file.exists():
                load.phase = options.phase_file.read_text().strip() or load.phase
            await asyncio.sleep(0.2)
        stop.set()

    try:
        await load.login()
        await asyncio.gather(load.run(stop), watch())
        await load.verify()
    finally:
        await load.close()
    print("\n".join(load.report.lines()))
    print(json.dumps({"ok": load.report.ok, "requests": sum(load.report.requests.values())}))
    return 0 if load.report.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
