"""Migration 0003 gives plans stored with the old season meaning (seasons replaced the plan's
rule, an empty season rule meaning no visit) the new meaning (a plan runs during its seasons)
without changing their visits: the demo contracts' shape and the contract form's shape, on a
real database migrated from 0002 to head."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from aquaerp_contrat.app import SPEC
from aquaerp_contrat.planning import occurrences
from aquaerp_contrat.repository.rows import plan_from_row
from aquaerp_runtime.db import create_engine
from aquaerp_runtime.migrations import upgrade
from aquaerp_runtime.postgres import drop_database, ensure_database, with_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# The demo's private contract plan: monthly on the first Tuesday, weekly on Tuesdays in
# summer, no visit while the pool is winterised.
DEMO_SEASONS = [
    {"name": "Été", "start": "06-01", "end": "09-30", "rrule": "FREQ=WEEKLY;BYDAY=TU"},
    {"name": "Hivernage", "start": "12-01", "end": "02-28", "rrule": ""},
]
# What the contract form saved for "Saison : du 05-01 au 09-30" under a weekly rhythm.
FORM_SEASONS = [{"name": "Saison", "start": "05-01", "end": "09-30", "rrule": ""}]


@pytest.fixture
def url_at_0002(postgres_server_url: str) -> Iterator[str]:
    url = with_database(postgres_server_url, f"aquaerp_seasons_{os.getpid()}")
    asyncio.run(ensure_database(url, recreate=True))
    assert SPEC.migrations is not None
    upgrade(SPEC.migrations, url, SPEC.schema, "0002")
    yield url
    asyncio.run(drop_database(url))


async def _insert_plans(url: str, plans: dict[str, tuple[str, list[dict[str, str]]]]) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await _insert(connection, plans)
    await engine.dispose()


async def _insert(
    connection: AsyncConnection, plans: dict[str, tuple[str, list[dict[str, str]]]]
) -> None:
    run = connection.execute
    customer, site, contract = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await run(
        text(
            "INSERT INTO contrat.customers (id, code, type, name, billing_address_lines) "
            "VALUES (:id, 'C0001', 'private', 'Julien Martin', ARRAY['1 rue des Pins'])"
        ),
        {"id": customer},
    )
    await run(
        text(
            "INSERT INTO contrat.sites (id, customer_id, name, address_lines, postal_code, city) "
            "VALUES (:id, :customer, 'Villa', ARRAY['1 rue des Pins'], '34000', 'Montpellier')"
        ),
        {"id": site, "customer": customer},
    )
    await run(
        text(
            "INSERT INTO contrat.contracts (id, number, status, customer_id, billing_frequency, "
            "billing_timing, payment_days, payment_end_of_month, start_date, tacit_renewal, "
            "renewal_term_months, notice_period_days, indexation_method) VALUES (:id, 'CT-1', "
            "'active', :customer, 'monthly', 'in_advance', 0, false, '2026-01-01', true, 12, 30, "
            "'none')"
        ),
        {"id": contract, "customer": customer},
    )
    for position, (plan_id, (rule, seasons)) in enumerate(plans.items()):
        await run(
            text(
                "INSERT INTO contrat.maintenance_plans (id, contract_id, position, site_id, label, "
                "rrule, seasons, window_start, window_end, duration_minutes) VALUES (:id, "
                ":contract, :position, :site, 'Entretien', :rrule, CAST(:seasons AS jsonb), "
                "'08:00', '12:00', 60)"
            ),
            {
                "id": uuid.UUID(plan_id),
                "contract": contract,
                "position": position,
                "site": site,
                "rrule": rule,
                "seasons": json.dumps(seasons),
            },
        )


async def _plan_row(url: str, plan_id: str) -> object:
    engine = create_engine(url)
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT * FROM contrat.maintenance_plans WHERE id = :id"),
            {"id": uuid.UUID(plan_id)},
        )
        row = result.mappings().one()
    await engine.dispose()
    return row


def _visits_by_month(url: str, plan_id: str, year: int) -> Counter[int]:
    row = asyncio.run(_plan_row(url, plan_id))
    plan = plan_from_row(row)
    first, last = date(year, 1, 1), date(year, 12, 31)
    return Counter(
        o.day.month for o in occurrences(plan, date(2026, 1, 1), first, last, [(first, last)])
    )


def test_demo_and_form_plans_keep_their_visits_under_the_new_meaning(url_at_0002: str) -> None:
    demo, form, plain = (str(uuid.uuid4()) for _ in range(3))
    asyncio.run(
        _insert_plans(
            url_at_0002,
            {
                demo: ("FREQ=MONTHLY;BYDAY=1TU", DEMO_SEASONS),
                form: ("FREQ=WEEKLY;BYDAY=WE", FORM_SEASONS),
                plain: ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", []),
            },
        )
    )
    assert SPEC.migrations is not None
    upgrade(SPEC.migrations, url_at_0002, SPEC.schema)

    # 2027: first Tuesdays in March-May and October-November, every Tuesday June-September.
    by_month = _visits_by_month(url_at_0002, demo, 2027)
    assert by_month == Counter({3: 1, 4: 1, 5: 1, 6: 5, 7: 4, 8: 5, 9: 4, 10: 1, 11: 1})
    # 2028 is a leap year: 29 February was outside "Hivernage" (ending 02-28), so monthly.
    assert _visits_by_month(url_at_0002, demo, 2028)[2] == 0  # first Tuesday is 1 February
    # The form's plan: weekly on Wednesdays from May to September only, none in December.
    by_month = _visits_by_month(url_at_0002, form, 2027)
    assert set(by_month) == {5, 6, 7, 8, 9}
    assert by_month[12] == 0 and sum(by_month.values()) == 22
    # A plan without seasons runs all year, every other Tuesday.
    assert sum(_visits_by_month(url_at_0002, plain, 2027).values()) == 26
