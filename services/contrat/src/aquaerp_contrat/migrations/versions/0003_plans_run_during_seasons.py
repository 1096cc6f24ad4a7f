"""plans run during their seasons

A maintenance plan's seasons used to be the periods where a season rule replaced the plan's
rule (an empty season rule meaning no visit), the plan's rule applying outside them. They now
are the periods *during* which the plan runs (a season's empty rule meaning the plan's rule).

Plans written with season rules (or an empty named season such as "Hivernage") keep exactly
the same visits: their seasons with a rule are kept and the days outside every old season
become "Hors saison" seasons following the plan's rule. Plans made by the contract form (one
season named "Saison" without a rule, under a label reading "du … au") get the meaning the
form showed: visits during that season, so they are left as they are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 17:10:00
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OFF_SEASON = "Hors saison"
FORM_SEASON = "Saison"
# A leap year, so that 02-29 gets a season too.
_YEAR = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]


def _month_day(text: str) -> tuple[int, int]:
    return int(text[:2]), int(text[3:])


def _contains(season: dict[str, Any], day: date) -> bool:
    start, end, month_day = _month_day(season["start"]), _month_day(season["end"]), (day.month, day.day)
    if start <= end:
        return start <= month_day <= end
    return month_day >= start or month_day <= end


def _runs_outside(seasons: list[dict[str, Any]]) -> list[tuple[date, date]]:
    """The days of the year outside every season, as runs (a run over the year end wraps)."""
    runs: list[list[date]] = []
    for day in _YEAR:
        if any(_contains(s, day) for s in seasons):
            continue
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    if len(runs) > 1 and runs[0][0] == _YEAR[0] and runs[-1][1] == _YEAR[-1]:
        runs[0][0] = runs.pop()[0]
    return [(first, last) for first, last in runs]


def converted_seasons(seasons: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The seasons with the new meaning giving the same visits, or None when unchanged."""
    if not seasons:
        return None
    if all(not s["rrule"] and s["name"] == FORM_SEASON for s in seasons):
        return None
    kept = [s for s in seasons if s["rrule"]]
    outside = [
        {"name": OFF_SEASON, "start": f"{first:%m-%d}", "end": f"{last:%m-%d}", "rrule": ""}
        for first, last in _runs_outside(seasons)
    ]
    return kept + outside


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, seasons FROM contrat.maintenance_plans WHERE seasons <> '[]'::jsonb")
    ).all()
    for plan_id, seasons in rows:
        converted = converted_seasons(seasons)
        if converted is None:
            continue
        if not converted:
            # Seasons with no visit covering the whole year: the plan never had a visit.
            # Only a season rule can say that now: a rule outside its own season.
            converted = [{"name": OFF_SEASON, "start": "01-01", "end": "01-01",
                          "rrule": "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=1"}]
        bind.execute(
            sa.text("UPDATE contrat.maintenance_plans SET seasons = CAST(:seasons AS jsonb) WHERE id = :id"),
            {"seasons": json.dumps(converted), "id": plan_id},
        )


def downgrade() -> None:
    # The old meaning cannot express every new plan (the days outside all seasons had the
    # plan's rule); the data stays as it is.
    pass
