"""The stock ledger at scale: 1,000,000 movements over 2,000 products x 30 locations bulk-loaded
with COPY and the balances built from them, then, in the same run, stock-on-hand queries and a
burst of 500 consumptions through the gateway (REST -> gRPC -> stock) against the same SQL run
directly on PostgreSQL (asyncpg, same concurrency). Prints p50/p99, movements/s and the ratios.

    uv run python bench/stock.py [--movements 1000000] [--burst 500] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import grpc
import httpx
from aquaerp.stock.v1 import stock_pb2, stock_pb2_grpc
from aquaerp_runtime.db import plain_url
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.service import discover_services
from aquaerp_runtime.testing.ports import free_port
from common import (
    LOGS,
    ROOT,
    LoadResult,
    admin_token,
    bench_database,
    service_env,
    start_gateway,
    start_process,
    wait_grpc,
    wait_http,
)

PRODUCTS, LOCATIONS = 2000, 30

# What ListStock runs for one location (the repository's query, written out).
ON_HAND_SQL = """
SELECT b.product_id, p.code, p.label, b.location_id, l.code, b.quantity, p.unit_of_stock,
       ((l.kind = 'van' AND b.quantity < p.van_minimum)
        OR (l.kind = 'warehouse' AND b.quantity < p.warehouse_minimum))
  FROM stock.balances b
  JOIN stock.products p ON p.id = b.product_id
  JOIN stock.locations l ON l.id = b.location_id
 WHERE b.location_id = $1
 ORDER BY l.code, p.code
"""
# What RecordMovement writes for a consumption (the checked debit, then the ledger row).
DEBIT_SQL = """
UPDATE stock.balances SET quantity = quantity - $3
 WHERE product_id = $1 AND location_id = $2 AND quantity >= $3 RETURNING quantity
"""
INSERT_SQL = """
INSERT INTO stock.movements (kind, product_id, from_location_id, quantity, unit_cost_cents,
                             recorded_by, recorded_at)
VALUES ('consumption', $1, $2, $3, 0, 'bench', now())
"""


async def load_ledger(url: str, movements: int) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Products, locations and `movements` ledger rows by COPY; balances from the ledger."""
    rng = random.Random(7)
    connection = await asyncpg.connect(plain_url(url))
    try:
        products = [uuid.uuid4() for _ in range(PRODUCTS)]
        locations = [uuid.uuid4() for _ in range(LOCATIONS)]
        await connection.copy_records_to_table(
            "products",
            schema_name="stock",
            columns=[
                "id",
                "code",
                "label",
                "family",
                "unit_of_sale",
                "unit_of_stock",
                "sale_units_per_stock_unit",
                "vat_rate",
                "average_cost_cents",
            ],
            records=[
                (
                    p,
                    f"P{i:05d}",
                    f"Article {i}",
                    "part",
                    "pièce",
                    "pièce",
                    Decimal(1),
                    "20",
                    Decimal(1000),
                )
                for i, p in enumerate(products)
            ],
        )
        await connection.copy_records_to_table(
            "locations",
            schema_name="stock",
            columns=["id", "code", "name", "kind", "technician_id"],
            records=[
                (
                    loc,
                    f"L{i:02d}",
                    f"Emplacement {i}",
                    "warehouse" if i == 0 else "van",
                    None if i == 0 else str(uuid.uuid4()),
                )
                for i, loc in enumerate(locations)
            ],
        )
        now = datetime.now(UTC)
        depot, vans = locations[0], locations[1:]

        def row(n: int) -> tuple[object, ...]:
            product = products[n % PRODUCTS]
            # A receipt into the depot, then transfers to vans and consumptions from them.
            if n < PRODUCTS * LOCATIONS:
                place = locations[n // PRODUCTS % LOCATIONS]
                return ("receipt", product, None, place, Decimal(1000), Decimal(1000), now)
            kind = rng.random()
            van = vans[rng.randrange(len(vans))]
            if kind < 0.3:
                return ("transfer", product, depot, van, Decimal(1), Decimal(1000), now)
            return ("consumption", product, van, None, Decimal("0.5"), Decimal(1000), now)

        started = time.perf_counter()
        # A bulk load: the foreign-key triggers are skipped (the rows are made consistent).
        await connection.execute("SET session_replication_role = replica")
        batch = 100_000
        for first in range(0, movements, batch):
            await connection.copy_records_to_table(
                "movements",
                schema_name="stock",
                columns=[
                    "kind",
                    "product_id",
                    "from_location_id",
                    "to_location_id",
                    "quantity",
                    "unit_cost_cents",
                    "recorded_at",
                ],
                records=[row(n) for n in range(first, min(movements, first + batch))],
            )
        await connection.execute(
            """
            INSERT INTO stock.balances (product_id, location_id, quantity)
            SELECT product_id, location_id, sum(delta) FROM (
                SELECT product_id, to_location_id AS location_id, quantity AS delta
                  FROM stock.movements WHERE to_location_id IS NOT NULL
                UNION ALL
                SELECT product_id, from_location_id, -quantity
                  FROM stock.movements WHERE from_location_id IS NOT NULL
            ) moves GROUP BY product_id, location_id
            """
        )
        await connection.execute("SET session_replication_role = DEFAULT")
        await connection.execute("ANALYZE stock.movements; ANALYZE stock.balances")
        seconds = time.perf_counter() - started
        print(
            f"loaded {movements} movements in {seconds:.1f} s ({movements / seconds:,.0f} rows/s)"
        )
        return products, locations
    finally:
        await connection.close()


Call = Callable[[], Awaitable[bool]]
FIRST_ERRORS: list[str] = []


def checked(answer: httpx.Response, status: int) -> bool:
    """True for the expected status; the first unexpected answers are kept for the report."""
    if answer.status_code != status and len(FIRST_ERRORS) < 3:
        FIRST_ERRORS.append(f"{answer.status_code} {answer.text[:300]}")
    return answer.status_code == status


async def timed(calls: list[Call], connections: int) -> LoadResult:
    """Runs the coroutine factories in `calls` over `connections` workers."""
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
            except Exception as error:
                ok = False
                if len(FIRST_ERRORS) < 3:
                    FIRST_ERRORS.append(f"{type(error).__name__} {error}"[:300])
            latencies.append((time.perf_counter() - started) * 1000)
            errors += 0 if ok else 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return LoadResult(len(calls), errors, time.perf_counter() - started, latencies)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    url = await bench_database("aquaerp_bench_stock")
    specs = {name: spec for name, spec in discover_services().items() if name in ("auth", "stock")}
    for spec in specs.values():
        assert spec.migrations is not None
        await upgrade_async(spec.migrations, url, spec.schema)
    await upgrade_async(ROOT / "gateway/src/aquaerp_gateway/migrations", url, "gateway")
    products, locations = await load_ledger(url, options.movements)
    ports = {name: free_port() for name in specs}
    targets = {name: f"ipv4:127.0.0.1:{port}" for name, port in ports.items()}
    processes = {}
    pool = await asyncpg.create_pool(plain_url(url), min_size=1, max_size=options.connections)
    try:
        for name, spec in specs.items():
            env = service_env(
                spec, url, ports[name], targets, DATABASE_POOL_SIZE=str(options.connections)
            )
            processes[name] = start_process(["-m", spec.module], env, LOGS / f"{name}.log")
        for port in ports.values():
            await wait_grpc(port)
        processes["gateway"], gateway_port = start_gateway(url, targets, LOGS / "gateway.log")
        await wait_http(gateway_port, timeout=600)
        headers = {"Authorization": f"Bearer {await admin_token(targets['auth'])}"}
        rng = random.Random(11)
        vans = locations[1:]
        limits = httpx.Limits(max_connections=options.connections)
        base = f"http://127.0.0.1:{gateway_port}"
        stock_channel = grpc.aio.insecure_channel(targets["stock"])
        stock_stub = stock_pb2_grpc.StockServiceStub(stock_channel)
        # The gateway's own deadline answers 504 first: the client waits longer than it.
        timeout = httpx.Timeout(120.0)
        async with httpx.AsyncClient(
            base_url=base, headers=headers, limits=limits, timeout=timeout
        ) as client:

            def rest_on_hand(location: uuid.UUID) -> Call:
                async def call() -> bool:
                    answer = await client.get(f"/api/v1/stock/on-hand?location_id={location}")
                    return checked(answer, 200)

                return call

            def grpc_on_hand(location: uuid.UUID) -> Call:
                async def call() -> bool:
                    answer = await stock_stub.ListStock(
                        stock_pb2.ListStockRequest(location_id=str(location)),
                        metadata=(("authorization", headers["Authorization"]),),
                        timeout=120,
                    )
                    return len(answer.levels) > 0

                return call

            def sql_on_hand(location: uuid.UUID) -> Call:
                async def call() -> bool:
                    async with pool.acquire() as connection:
                        return len(await connection.fetch(ON_HAND_SQL, location)) > 0

                return call

            def rest_consume(product: uuid.UUID, van: uuid.UUID) -> Call:
                async def call() -> bool:
                    answer = await client.post(
                        "/api/v1/stock/movements",
                        json={
                            "kind": "consumption",
                            "product_id": str(product),
                            "quantity": "1",
                            "unit": "pièce",
                            "from_location_id": str(van),
                        },
                    )
                    return checked(answer, 201)

                return call

            def sql_consume(product: uuid.UUID, van: uuid.UUID) -> Call:
                async def call() -> bool:
                    async with pool.acquire() as connection, connection.transaction():
                        if await connection.fetchval(DEBIT_SQL, product, van, Decimal(1)) is None:
                            return False
                        await connection.execute(INSERT_SQL, product, van, Decimal(1))
                        return True

                return call

            picks = [vans[rng.randrange(len(vans))] for _ in range(options.queries)]
            burst = [
                (products[rng.randrange(PRODUCTS)], vans[rng.randrange(len(vans))])
                for _ in range(options.burst)
            ]
            # Warm both paths (JWKS, pools, plans), then measure them back to back.
            await timed([rest_on_hand(v) for v in picks[:20]], options.connections)
            await timed([sql_on_hand(v) for v in picks[:20]], options.connections)
            await timed([grpc_on_hand(v) for v in picks[:20]], options.connections)
            rest_q = await timed([rest_on_hand(v) for v in picks], options.connections)
            grpc_q = await timed([grpc_on_hand(v) for v in picks], options.connections)
            sql_q = await timed([sql_on_hand(v) for v in picks], options.connections)
            rest_c = await timed([rest_consume(p, v) for p, v in burst], options.connections)
            sql_c = await timed([sql_consume(p, v) for p, v in burst], options.connections)
        await stock_channel.close()
        async with pool.acquire() as connection:
            total = await connection.fetchval("SELECT count(*) FROM stock.movements")
        print(
            f"{total:,} movements, {PRODUCTS} products x {LOCATIONS} locations, "
            f"{options.connections} concurrent, {os.cpu_count()} cores"
        )
        print(f"stock on hand of one location ({PRODUCTS} rows):")
        print(rest_q.line("  gateway -> stock (REST, gRPC)"))
        print(grpc_q.line("  stock directly (gRPC)"))
        print(sql_q.line("  same SQL directly (asyncpg)"))
        print(
            f"  ratio p50 {rest_q.percentile(50) / sql_q.percentile(50):.1f}x, "
            f"throughput {rest_q.rps / sql_q.rps:.2f}; "
            f"gRPC alone p50 {grpc_q.percentile(50) / sql_q.percentile(50):.1f}x"
        )
        print(f"consumption burst of {options.burst}:")
        print(rest_c.line("  gateway -> stock (REST, gRPC)") + f"   {rest_c.rps:.0f} movements/s")
        print(sql_c.line("  same SQL directly (asyncpg)") + f"   {sql_c.rps:.0f} movements/s")
        print(
            f"  ratio p50 {rest_c.percentile(50) / sql_c.percentile(50):.1f}x, "
            f"movements/s {rest_c.rps / sql_c.rps:.2f}"
        )
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
