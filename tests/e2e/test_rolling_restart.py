"""Zero downtime through a rolling restart, on the local stack with two replicas of everything.

`aquaerp up --replicas 2` runs two processes per service behind client-side round-robin; the
test adds a second gateway (same settings, another port) and plays the ingress: a load of mixed
reads and idempotent writes goes round-robin to the gateways in rotation (bench/rollout_load.py).
Then every service and the gateway are restarted one replica at a time, as a Kubernetes rolling
update does: SIGTERM to one replica, its replacement starts (the stack's supervisor, or the test
for the second gateway) and must be ready before the other replica is touched. A gateway leaves
the rotation before its SIGTERM, as a terminating pod leaves the endpoints during its preStop
pause. Required: not one failed request, every acknowledged write found exactly once.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from aquaerp_runtime.postgres import with_database
from aquaerp_runtime.testing import polling

from .stack import LocalStack, environment

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from rollout_load import Endpoints, Load

ADMIN_EMAIL = "admin@rolling.aquaerp.local"
ADMIN_PASSWORD = "a rolling restart passphrase 2026"
REPLICAS = 2
# A replica is signalled this long after the previous one's replacement is ready, as a pod is
# after its preStop pause: the clients have reconnected to the replacement (their reconnect
# backoff is at most 1 s) before this replica reports NOT_SERVING and they leave it.
PRE_STOP = 2.0

# 15 to 30 minutes on a loaded 2-core machine, most of it under load: deselected by default
# (marker rollout), run with `-m rollout` (see docs/operations/upgrades.md).
pytestmark = [pytest.mark.slow, pytest.mark.rollout, pytest.mark.timeout(1800)]


class RollingStack(LocalStack):
    """`aquaerp up --replicas 2` plus a second gateway owned by the test (on the spare port)."""

    second_gateway: subprocess.Popen[bytes] | None = None
    # The load logs in with a password only, as a machine client would; administrators need a
    # second factor by default, which this test is not about.
    extra_env = {"AUTH_MFA_REQUIRED_ROLES": ""}

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in (self.http_port, self.spare_port)]

    async def start(self) -> None:
        await super().start()
        self.start_second_gateway()
        await self.gateway_ready(self.urls[1])

    def start_second_gateway(self) -> None:
        env = {**environment(self.gateway_pid()), "GATEWAY_HTTP_PORT": str(self.spare_port)}
        log = (self.data_dir / "logs" / "gateway-2.log").open("ab")
        self.second_gateway = subprocess.Popen(
            [sys.executable, "-m", "aquaerp_gateway"], env=env, stdout=log, stderr=log
        )

    def gateway_pid(self) -> int:
        (pid,) = [p for p, a in self.children().items() if a.endswith("aquaerp_gateway")]
        return pid

    async def gateway_ready(self, url: str) -> None:
        async def ready() -> bool:
            async with httpx.AsyncClient(timeout=2) as client:
                try:
                    return (await client.get(url + "/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

        await polling.eventually(ready, timeout=180, interval=0.2, what=f"{url} ready")

    async def restart_gateway(self, index: int, endpoints: Endpoints) -> None:
        url = self.urls[index]
        endpoints.urls.remove(url)  # the pod leaves the endpoints...
        await asyncio.sleep(1)  # ...during its preStop pause
        if index == 0:
            old = self.gateway_pid()
            os.kill(old, signal.SIGTERM)

            async def replaced() -> bool:
                try:
                    return self.gateway_pid() != old
                except ValueError:
                    return False

            await polling.eventually(replaced, timeout=180, interval=0.2, what="gateway-1 replaced")
        else:
            assert self.second_gateway is not None
            self.second_gateway.send_signal(signal.SIGTERM)
            await asyncio.to_thread(self.second_gateway.wait, 60)
            self.start_second_gateway()
        await self.gateway_ready(url)
        endpoints.urls.insert(index, url)

    async def stop(self) -> None:
        if self.second_gateway is not None and self.second_gateway.poll() is None:
            self.second_gateway.send_signal(signal.SIGTERM)
            await asyncio.to_thread(self.second_gateway.wait, 30)
        await super().stop()


@pytest_asyncio.fixture
async def rolling_stack(postgres_server_url: str, tmp_path: Path) -> AsyncIterator[RollingStack]:
    database = with_database(postgres_server_url, f"aquaerp_rolling_{secrets.token_hex(4)}")
    stack = RollingStack(
        database,
        tmp_path / "stack",
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        replicas=REPLICAS,
    )
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()


async def test_rolling_restart_of_every_service_and_the_gateway_loses_nothing(
    rolling_stack: RollingStack,
) -> None:
    stack = rolling_stack
    endpoints = Endpoints(stack.urls)
    load = Load(endpoints, ADMIN_EMAIL, ADMIN_PASSWORD, concurrency=4)
    stop = asyncio.Event()
    try:
        await load.login()
        running = asyncio.create_task(load.run(stop))
        await asyncio.sleep(15)
        load.phase = "during"
        for service in stack.services:
            for replica in range(REPLICAS):
                await asyncio.sleep(PRE_STOP)
                await stack.restart(service, replica)
        for index in range(2):
            await stack.restart_gateway(index, endpoints)
        load.phase = "after"
        await asyncio.sleep(5)
        stop.set()
        await running
        await load.verify()
    finally:
        stop.set()
        await load.close()
    report = load.report
    summary = "\n".join(report.lines())
    print(f"\nrolling restart of {', '.join(stack.services)} and the gateway:\n{summary}")
    assert report.requests["during"] > 100, summary
    assert len(report.acknowledged) > 50, summary
    assert report.failures == [], summary
    assert report.lost == [] and report.duplicated == [], summary
