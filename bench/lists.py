"""The office lists at scale: 20,000 customers and 100,000 invoices (70 % issued, 30 % drafts)
bulk-loaded with COPY, then, in the same run, sorted, filtered and counted list pages and the
global search through the gateway (REST -> gRPC -> contrat/facture) against the same SQL run
directly on PostgreSQL (asyncpg, same concurrency). The direct SQL is the services' own: the
repositories' statements compiled with their parameters (the page, then the count).

Seeding: one customer, one draft and one issued invoice are made through the gateway (the
issued one with its real Factur-X document); the bulk rows copy their content and document,
with their own customer, number, dates and totals (the list's sort and filter columns).

    uv run python bench/lists.py [--invoices 100000] [--customers 20000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aquaerp_contrat.repository.parties import CUSTOMER_SORTING, customer_list_statement
from aquaerp_facture.models import invoices
from aquaerp_facture.repository.invoices import (
    INVOICE_SORTING,
    InvoiceFilter,
    InvoiceRepository,
    invoice_conditions,
)
from aquaerp_runtime.db import plain_url
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.paging_sort import SORT_KEY, Order
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.ports import free_port
from common import (
    LOGS,
    ROOT,
    SERVICE_SECRET,
    LoadResult,
    admin_token,
    bench_database,
    service_env,
    start_gateway,
    start_process,
    wait_grpc,
    wait_http,
)
from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql

CITIES = ["Montpellier", "Nîmes", "Sète", "Béziers", "Agde", "Lunel", "Uzès", "Alès", "Arles"]
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]
SURNAMES += ["Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Fabre"]
Call = Callable[[], Awaitable[bool]]
FIRST_ERRORS: list[str] = []


def checked(answer: httpx.Response) -> bool:
    if answer.status_code != 200 and len(FIRST_ERRORS) < 3:
        FIRST_ERRORS.append(f"{answer.status_code} {answer.text[:300]}")
    return answer.status_code == 200


async def timed(calls: list[Call], connections: int) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    queue = list(calls)

    async def worker() -> None:
        nonlocal errors
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            try:
                ok = await call()
            except Exception as error:  # a failed call counts as an error, the run goes on
                ok = False
                if len(FIRST_ERRORS) < 3:
                    FIRST_ERRORS.append(repr(error))
            latencies.append((time.perf_counter() - started) * 1000)
            errors += 0 if ok else 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return LoadResult(len(calls), errors, time.perf_counter() - started, latencies)


def sql(statement: Select[Any]) -> str:
    return str(
        statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )


def page_sql(statement: Select[Any], order: Order, limit: int = 50) -> str:
    """What sorted_page runs for a first page: the list in order, one row more than the page."""
    keyed = statement.add_columns(order.column.expression.label(SORT_KEY))
    return sql(keyed.order_by(*order.clauses()).limit(limit + 1))


def count_sql(statement: Select[Any]) -> str:
    return sql(select(func.count()).select_from(statement.order_by(None).subquery()))


def invoice_queries(where: InvoiceFilter, order_by: str) -> list[str]:
    conditions = invoice_conditions(where)
    listed = InvoiceRepository._invoice_query(None).where(*conditions)  # type: ignore[arg-type]
    # The page and the count (the service's statements).
    return [
        page_sql(listed, INVOICE_SORTING.order(order_by)),
        count_sql(select(invoices.c.id).where(*conditions)),
    ]


def customer_queries(query: str, order_by: str) -> list[str]:
    listed = customer_list_statement(query, None, False, None)
    return [page_sql(listed, CUSTOMER_SORTING.order(order_by)), count_sql(listed)]


async def seed(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """One customer, one draft and one issued invoice through the gateway."""
    customer = await client.post(
        "/api/v1/customers",
        json={
            "type": "business",
            "name": "Camping Les Pins",
            "legal_form": "SARL",
            "siren": "732829320",
            "vat_number": "FR44732829320",
            "billing_address": {
                "lines": ["1 route de la Plage"],
                "postal_code": "34300",
                "city": "Agde",
            },
            "billing_email": "compta@lespins.example",
        },
    )
    assert customer.status_code == 201, customer.text
    body = {
        "customer_id": customer.json()["id"],
        "lines": [
            {
                "description": "Entretien piscine",
                "quantity": "1",
                "unit_price": {"amount_cents": 15000},
                "vat_rate": "20",
            }
        ],
    }
    draft = await client.post("/api/v1/invoices", json=body)
    draft.raise_for_status()
    issued = await client.post("/api/v1/invoices", json=body)
    issued.raise_for_status()
    done = await client.post(f"/api/v1/invoices/{issued.json()['id']}/issue", timeout=120)
    done.raise_for_status()
    return draft.json(), done.json()


async def bulk_load(url: str, customers: int, invoices: int, draft_id: str, issued_id: str) -> None:
    rng = random.Random(7)
    connection = await asyncpg.connect(plain_url(url))
    try:
        started = time.perf_counter()
        people = []
        records = []
        for n in range(customers):
            name = f"{SURNAMES[n % len(SURNAMES)]} {rng.choice(SURNAMES)} {n:05d}"
            email = f"client{n:05d}@exemple.fr"
            city = CITIES[rng.randrange(len(CITIES))]
            customer_id = uuid.uuid4()
            people.append((str(customer_id), name, email))
            records.append(
                (
                    customer_id,
                    f"B{n:06d}",
                    "private",
                    name,
                    [f"{n % 200 + 1} rue des Lauriers"],
                    f"3{n % 10}000",
                    city,
                    email,
                )
            )
        await connection.copy_records_to_table(
            "customers",
            schema_name="contrat",
            columns=[
                "id",
                "code",
                "type",
                "name",
                "billing_address_lines",
                "billing_postal_code",
                "billing_city",
                "billing_email",
            ],
            records=records,
        )
        template = {
            row["status"]: row
            for row in await connection.fetch(
                "SELECT * FROM facture.invoices WHERE id = ANY($1::uuid[])",
                [uuid.UUID(draft_id), uuid.UUID(issued_id)],
            )
        }
        base = datetime(2025, 1, 1, tzinfo=UTC)
        rows = []
        for n in range(invoices):
            customer_id, name, email = people[rng.randrange(len(people))]
            issued = rng.random() < 0.7
            source = template["issued" if issued else "draft"]
            created = base + timedelta(minutes=7 * n + rng.randrange(5))
            total = rng.randrange(2_000, 400_000)
            day = created.date()
            rows.append(
                (
                    uuid.uuid4(),
                    "invoice",
                    "issued" if issued else "draft",
                    "manual",
                    customer_id,
                    name,
                    email,
                    source["content"],
                    round(total / 1.2),
                    total - round(total / 1.2),
                    total,
                    f"FA-{day.year}-{n + 10:06d}" if issued else None,
                    day if issued else None,
                    day + timedelta(days=30) if issued else None,
                    source["document"] if issued else None,
                    n + 10 if issued else None,
                    "0" * 64 if issued else None,
                    "0" * 64 if issued else None,
                    b"%PDF-1.7 bench" if issued else None,
                    "0" * 64 if issued else None,
                    created,
                    created,
                    created if issued else None,
                )
            )
        # A bulk load: the issued documents' guard trigger is skipped (rows made consistent).
        await connection.execute("SET session_replication_role = replica")
        await connection.copy_records_to_table(
            "invoices",
            schema_name="facture",
            columns=[
                "id",
                "type",
                "status",
                "source",
                "customer_id",
                "customer_name",
                "customer_email",
                "content",
                "total_excluding_vat_cents",
                "total_vat_cents",
                "total_including_vat_cents",
                "number",
                "issue_date",
                "due_date",
                "document",
                "chain_position",
                "previous_hash",
                "hash",
                "pdf",
                "pdf_sha256",
                "created_at",
                "updated_at",
                "issued_at",
            ],
            records=rows,
        )
        await connection.execute("SET session_replication_role = DEFAULT")
        # As autovacuum leaves a table in steady state: statistics and the visibility map (the
        # counts read the indexes only).
        await connection.execute("VACUUM ANALYZE contrat.customers")
        await connection.execute("VACUUM ANALYZE facture.invoices")
        seconds = time.perf_counter() - started
        print(f"loaded {customers:,} customers and {invoices:,} invoices in {seconds:.1f} s")
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--connections", type=int, default=4)
    options = parser.parse_args()
    url = await bench_database("aquaerp_bench_lists")
    names = ("auth", "contrat", "facture")
    specs = {name: load_service(name) for name in names}
    for spec in specs.values():
        assert spec.migrations is not None
        await upgrade_async(spec.migrations, url, spec.schema)
    await upgrade_async(ROOT / "gateway/src/aquaerp_gateway/migrations", url, "gateway")
    ports = {name: free_port() for name in names}
    targets = {name: f"ipv4:127.0.0.1:{port}" for name, port in ports.items()}
    processes = {}
    pool = await asyncpg.create_pool(plain_url(url), min_size=1, max_size=options.connections)
    try:
        for name, spec in specs.items():
            env = service_env(
                spec,
                url,
                ports[name],
                targets,
                SERVICE_CLIENT_ID=name,
                SERVICE_CLIENT_SECRET=SERVICE_SECRET,
                DATABASE_POOL_SIZE=str(options.connections),
            )
            if name == "auth":
                env |= {
                    "AUTH_SERVICE_ACCOUNTS": json.dumps(
                        {"contrat": SERVICE_SECRET, "facture": SERVICE_SECRET}
                    ),
                    "AUTH_ACCESS_TOKEN_TTL": "7200",
                }
            if name == "facture":
                env |= {"FACTURE_RENDER_PROCESSES": "1"}
            processes[name] = start_process(["-m", spec.module], env, LOGS / f"lists-{name}.log")
        for port in ports.values():
            await wait_grpc(port)
        processes["gateway"], gateway_port = start_gateway(url, targets, LOGS / "lists-gateway.log")
        await wait_http(gateway_port, timeout=600)
        headers = {"Authorization": f"Bearer {await admin_token(targets['auth'])}"}
        limits = httpx.Limits(max_connections=options.connections)
        base = f"http://127.0.0.1:{gateway_port}"
        async with httpx.AsyncClient(
            base_url=base, headers=headers, limits=limits, timeout=60
        ) as client:
            draft, issued = await seed(client)
            await bulk_load(url, options.customers, options.invoices, draft["id"], issued["id"])

            def rest(path: str, params: dict[str, Any]) -> Call:
                async def call() -> bool:
                    return checked(await client.get(path, params=params))

                return call

            def direct(statements: list[str]) -> Call:
                async def call() -> bool:
                    async with pool.acquire() as connection, connection.transaction():
                        for statement in statements:
                            await connection.fetch(statement)
                    return True

                return call

            probe = "lefebvre"
            cases: list[tuple[str, str, dict[str, Any], list[str]]] = [
                (
                    "invoices, newest first, counted",
                    "/api/v1/invoices",
                    {},
                    invoice_queries(InvoiceFilter(), ""),
                ),
                (
                    "invoices issued, by total desc",
                    "/api/v1/invoices",
                    {"status": "issued", "order_by": "total desc"},
                    invoice_queries(InvoiceFilter(statuses=("issued",)), "total desc"),
                ),
                (
                    "invoices by customer name",
                    "/api/v1/invoices",
                    {"order_by": "customer_name"},
                    invoice_queries(InvoiceFilter(), "customer_name"),
                ),
                (
                    "invoices 2026 by due date",
                    "/api/v1/invoices",
                    {
                        "issued_from": "2026-01-01",
                        "issued_to": "2026-12-31",
                        "order_by": "due_date desc",
                    },
                    invoice_queries(
                        InvoiceFilter(issued_from=date(2026, 1, 1), issued_to=date(2026, 12, 31)),
                        "due_date desc",
                    ),
                ),
                (
                    f"invoices q={probe}",
                    "/api/v1/invoices",
                    {"q": probe},
                    invoice_queries(InvoiceFilter(query=probe), ""),
                ),
                (
                    "customers by city, counted",
                    "/api/v1/customers",
                    {"order_by": "city"},
                    customer_queries("", "city"),
                ),
                (
                    f"customers q={probe}",
                    "/api/v1/customers",
                    {"q": probe},
                    customer_queries(probe, ""),
                ),
                (
                    f"global search q={probe}",
                    "/api/v1/search",
                    {"q": probe},
                    [
                        *customer_queries(probe, ""),
                        *invoice_queries(InvoiceFilter(query=probe), ""),
                    ],
                ),
            ]
            print(
                f"{options.customers:,} customers, {options.invoices:,} invoices, 50 per page, "
                f"{options.connections} concurrent, {os.cpu_count()} cores"
            )
            worst = 0.0
            for label, path, params, statements in cases:
                await timed([rest(path, params) for _ in range(10)], options.connections)
                await timed([direct(statements) for _ in range(10)], options.connections)
                through = await timed(
                    [rest(path, params) for _ in range(options.queries)], options.connections
                )
                plain = await timed(
                    [direct(statements) for _ in range(options.queries)], options.connections
                )
                worst = max(worst, through.percentile(99))
                print(f"{label}:")
                print(through.line("  gateway (REST -> gRPC -> SQL)"))
                print(plain.line("  same SQL directly (asyncpg)"))
                print(
                    f"  ratio p50 {through.percentile(50) / plain.percentile(50):.1f}x, "
                    f"p99 {through.percentile(99) / plain.percentile(99):.1f}x"
                )
            print(f"worst gateway p99: {worst:.1f} ms (target < 150 ms)")
            for error in FIRST_ERRORS:
                print(f"  unexpected answer: {error}")
    finally:
        await pool.close()
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(15)
            except Exception:
                process.kill()


if __name__ == "__main__":
    asyncio.run(main())
