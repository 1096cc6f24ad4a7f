"""Billable periods of 10,000 active contracts for one month, as facture's billing run asks.

- bulk (the product): contrat's `Schedules.billable_periods` paging over all contracts, each page
  loaded with a fixed number of queries (contracts, sites, lines, prices, suspensions,
  indexations, customers), periods computed in pure Python;
- naive (baseline): the same computation with one contract loaded at a time (a query loop),
  measured on a subset because it is slow; compared in contracts per second.

The data: 10,000 contracts (every fourth quarterly in arrears, a third starting mid-month so
their first period is prorated, a tenth with a price change in the month), two lines each.

Usage: uv run python bench/contrat_periods.py [--contracts 10000] [--baseline-contracts 1000]
(AQUAERP_DATABASE_URL picks the PostgreSQL server; otherwise the embedded one.)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aquaerp_contrat.app import SPEC
from aquaerp_contrat.billing import billable_items
from aquaerp_contrat.domain import ContractStatus
from aquaerp_contrat.models import contract_lines, contracts, customers, line_prices
from aquaerp_contrat.repository import ContratRepository
from aquaerp_contrat.service import ContratService
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.context import Principal, principal_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.migrations import upgrade_async
from common import bench_database

MONTH_START, MONTH_END = date(2026, 3, 1), date(2026, 3, 31)


async def seed(database: Database, count: int) -> None:
    customer_rows = [
        {
            "id": uuid.uuid4(),
            "code": f"B{n:06d}",
            "type": "private",
            "name": f"Client {n}",
            "billing_address_lines": [f"{n} rue des Oliviers"],
            "billing_postal_code": "34000",
            "billing_city": "Montpellier",
            "billing_contact_name": f"Client {n}",
            "billing_email": f"client{n}@example.fr",
        }
        for n in range(count // 4)
    ]
    contract_rows, line_rows, price_rows = [], [], []
    for n in range(count):
        contract_id = uuid.uuid4()
        quarterly = n % 4 == 0
        start = date(2025, 1 + n % 12, 15) if n % 3 == 0 else date(2024, 1 + n % 12, 1)
        contract_rows.append(
            {
                "id": contract_id,
                "number": f"CT-2026-{n + 1:05d}",
                "status": "active",
                "customer_id": customer_rows[n % len(customer_rows)]["id"],
                "billing_frequency": "quarterly" if quarterly else "monthly",
                "billing_timing": "in_arrears" if quarterly else "in_advance",
                "payment_days": 30,
                "payment_end_of_month": False,
                "start_date": start,
                "tacit_renewal": False,
                "renewal_term_months": 12,
                "notice_period_days": 30,
                "indexation_method": "none",
                "activation_date": start,
            }
        )
        for position, (code, cents) in enumerate(
            (("ENT-PISC", 8900 + n % 50 * 100), ("ANA-EAU", 1500)), 1
        ):
            line_id = uuid.uuid4()
            line_rows.append(
                {
                    "id": line_id,
                    "contract_id": contract_id,
                    "position": position,
                    "product_code": code,
                    "label": code,
                    "quantity_milli": 1000,
                    "unit_code": "C62",
                    "vat_rate_bp": 2000,
                }
            )
            price_rows.append(
                {
                    "line_id": line_id,
                    "effective_date": start,
                    "unit_price_cents": cents,
                    "reason": "initial",
                }
            )
            if n % 10 == 0:
                price_rows.append(
                    {
                        "line_id": line_id,
                        "effective_date": date(2026, 3, 15),
                        "unit_price_cents": cents + 300,
                        "reason": "change",
                    }
                )
    async with database.unit_of_work() as session:
        for table, rows in (
            (customers, customer_rows),
            (contracts, contract_rows),
            (contract_lines, line_rows),
            (line_prices, price_rows),
        ):
            for chunk in range(0, len(rows), 2000):
                await session.execute(insert(table), rows[chunk : chunk + 2000])


async def bulk(service: ContratService) -> tuple[int, int, int]:
    """Contracts seen, items and total cents, through the service's paged bulk query."""
    seen = items = cents = 0
    token = ""
    while True:
        page = await service.schedules.billable_periods("", MONTH_END, MONTH_START, 2000, token)
        for found in page.items:
            seen += 1
            items += len(found.items)
            cents += sum(i.amount_cents for i in found.items)
        token = page.next_page_token
        if not token:
            return seen, items, cents


async def naive(database: Database, limit: int) -> tuple[int, int, int]:
    """The same computation with one query round per contract."""
    async with database.unit_of_work() as session:
        ids = await ContratRepository(session).contract_ids_by_status([ContractStatus.ACTIVE])
    seen = items = cents = 0
    for contract_id in ids[:limit]:
        async with database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await repo.contract_by_id(contract_id)
            assert contract is not None
            await repo.customer_by_id(contract.customer_id)
        found = billable_items(contract, MONTH_END, MONTH_START)
        seen += 1 if found else 0
        items += len(found)
        cents += sum(i.amount_cents for i in found)
    return seen, items, cents


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--baseline-contracts", type=int, default=1_000)
    options = parser.parse_args()
    url = await bench_database("bench_contrat")
    assert SPEC.migrations is not None
    await upgrade_async(SPEC.migrations, url, SPEC.schema)
    database = Database.from_url(url, pool_size=2)
    principal_var.set(Principal(subject="bench", roles=frozenset({"compta"})))
    try:
        started = time.perf_counter()
        await seed(database, options.contracts)
        print(
            f"seeded {options.contracts} active contracts in {time.perf_counter() - started:.1f} s"
        )
        service = ContratService(database, SYSTEM_CLOCK)
        await bulk(service)  # warm-up: connections, statement cache

        started = time.perf_counter()
        seen, items, cents = await bulk(service)
        bulk_seconds = time.perf_counter() - started
        rate = options.contracts / bulk_seconds
        print(
            f"bulk:  {options.contracts} contracts ({seen} with items due), {items} items, "
            f"{cents / 100:,.2f} EUR in {bulk_seconds:.2f} s = {rate:,.0f} contracts/s"
        )
        started = time.perf_counter()
        naive_seen, naive_items, _ = await naive(database, options.baseline_contracts)
        naive_seconds = time.perf_counter() - started
        naive_rate = options.baseline_contracts / naive_seconds
        print(
            f"naive: {options.baseline_contracts} contracts (subset; {naive_seen} with items due), "
            f"{naive_items} items in {naive_seconds:.2f} s = {naive_rate:,.0f} contracts/s"
        )
        print(
            f"bulk / naive: {rate / naive_rate:.1f}x "
            f"(target: {options.contracts} contracts in < 5 s)"
        )
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
