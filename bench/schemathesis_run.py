"""Schemathesis over the whole REST API: every operation of the gateway's OpenAPI, with cases
generated from its schemas (valid and invalid bodies, parameters, boundary values), sent with a
real access token of each role against a local stack (`aquaerp up` with its own database and
ports, one customer for the client role). Counts operations, requests and answers by class; any 5xx is a defect and is listed.

    uv run python bench/schemathesis_run.py [--examples 8] [--roles admin,bureau,...]

Figures: operations, requests, 5xx, and the share of 5xx among the requests (the target is 0).
Needs AQUAERP_DATABASE_URL (a PostgreSQL server; a database of its own is created) or starts
the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import requests
import schemathesis
from common import ROOT, bench_database, wait_http
from hypothesis import HealthCheck, Phase

ADMIN_EMAIL = "schemathesis@aquaerp.example"
ADMIN_PASSWORD = "a schemathesis passphrase 2026"
ROLES = ("admin", "bureau", "compta", "technicien", "client")


@dataclass(frozen=True)
class Ports:
    http: int
    grpc_base: int
    metrics_base: int
    smtp: int


@dataclass
class Tally:
    requests: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    errors: list[str] = field(default_factory=list)
    failures: int = 0  # generation or transport problems (not answers)


def start_stack(database_url: str, data_dir: Path, ports: Ports, log: Path) -> Any:
    env = {
        **os.environ,
        "AQUAERP_DATABASE_URL": database_url,
        "AQUAERP_DATA_DIR": str(data_dir),
        "AQUAERP_ADMIN_EMAIL": ADMIN_EMAIL,
        "AQUAERP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # The run logs its users in with a password: no second factor for admin and compta.
        "AUTH_MFA_REQUIRED_ROLES": "",
        # Thousands of requests from one address: the login throttle is not under test here.
        "GATEWAY_AUTH_RATE_BURST": "100000",
        "GATEWAY_AUTH_RATE_PER_SECOND": "100000",
    }
    aquaerp = Path(sys.executable).parent / "aquaerp"
    command = [
        str(aquaerp),
        "up",
        "--port",
        str(ports.http),
        "--grpc-base-port",
        str(ports.grpc_base),
        "--metrics-base-port",
        str(ports.metrics_base),
        "--smtp-port",
        str(ports.smtp),
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


async def wait_ready(log: Path, stack: Any, timeout: float) -> None:
    """Until `aquaerp up` says it is running (migrations applied, administrator created)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "AquaERP is running." in await asyncio.to_thread(log.read_text, errors="replace"):
            return
        if stack.poll() is not None:
            raise RuntimeError(f"the stack stopped: see {log}")
        await asyncio.sleep(1)
    raise RuntimeError(f"the stack did not start in {timeout:.0f} s: see {log}")


async def role_tokens(base_url: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def login(email: str, password: str) -> str:
            answer = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )
            answer.raise_for_status()
            return str(answer.json()["tokens"]["access_token"])

        admin = await login(ADMIN_EMAIL, ADMIN_PASSWORD)
        headers = {"Authorization": f"Bearer {admin}"}
        customer = await client.post(
            "/api/v1/customers",
            json={
                "type": "private",
                "name": "Claire Dupont",
                "billing_address": {
                    "lines": ["8 chemin des Vignes"],
                    "postal_code": "69140",
                    "city": "Rillieux-la-Pape",
                    "country": "FR",
                },
                "billing_email": "claire.dupont@example.fr",
            },
            headers=headers,
        )
        customer.raise_for_status()
        tokens = {"admin": admin}
        for role in ROLES[1:]:
            email = f"{role}-{secrets.token_hex(3)}@schemathesis.example"
            password = f"pw {secrets.token_hex(12)}"
            created = await client.post(
                "/api/v1/users",
                json={
                    "email": email,
                    "display_name": role,
                    "password": password,
                    "roles": [role],
                    "customer_id": customer.json()["id"] if role == "client" else "",
                },
                headers=headers,
            )
            created.raise_for_status()
            tokens[role] = await login(email, password)
        return tokens


def run_operations(base_url: str, token: str, examples: int, tally: Tally) -> int:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
            tally.requests += 1
            tally.statuses[response.status_code] += 1
            if response.status_code >= 500:
                tally.errors.append(
                    f"{response.status_code} {case.method} {case.formatted_path} "
                    f"{response.text[:300]}"
                )

        try:
            exercise()
        except Exception as error:  # a case that cannot be generated or sent
            tally.failures += 1
            tally.errors.append(f"not run: {operation.label}: {type(error).__name__}: {error}")
    return operations


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=8, help="cases per operation and role")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument(
        "--ports", default="20200,20210,20230,20250", help="HTTP, gRPC base, metrics base, SMTP"
    )
    options = parser.parse_args()
    ports = Ports(*(int(p) for p in options.ports.split(",")))
    database_url = await bench_database("aquaerp_schemathesis")
    data_dir = ROOT / ".aquaerp" / "schemathesis"
    stack = start_stack(database_url, data_dir, ports, data_dir / "stack.log")
    base_url = f"http://127.0.0.1:{ports.http}"
    try:
        await wait_ready(data_dir / "stack.log", stack, timeout=900)
        await wait_http(ports.http, "/healthz", timeout=60)
        tokens = await role_tokens(base_url)
        started = time.monotonic()
        tally = Tally()
        operations = 0
        for role in options.roles.split(","):
            before = tally.requests
            operations = await asyncio.to_thread(
                run_operations, base_url, tokens[role], options.examples, tally
            )
            print(f"{role:<11} {tally.requests - before:>6} requests", flush=True)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(stack.pid, signal.SIGINT)
        stack.wait(timeout=60)
    classes = collections.Counter(f"{status // 100}xx" for status in tally.statuses.elements())
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(f"operations: {operations}")
    print(f"roles: {options.roles}")
    print(f"requests: {tally.requests} in {elapsed:.0f} s")
    print("answers: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    print(f"5xx: {server_errors} ({server_errors / max(tally.requests, 1):.4%} of the requests)")
    print(f"operations not exercised: {tally.failures}")
    for line in tally.errors[:50]:
        print("  " + line)
    sys.exit(1 if server_errors else 0)


if __name__ == "__main__":
    asyncio.run(main())
