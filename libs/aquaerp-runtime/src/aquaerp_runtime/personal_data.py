"""Personal data (GDPR): rewriting a person's values out of free texts and JSON documents, and
the JSON form of an export. Each service erases and exports its own tables with these."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from typing import cast as typed
from uuid import UUID

from aquaerp.common.v1 import common_pb2
from sqlalchemy import Select, Table, Text, and_, cast, false, or_, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

# Shorter values ("FR", a house number) are not a person's and would rewrite unrelated text.
MIN_VALUE_LENGTH = 4
ERASED_TEXT = "[effacé]"


def pseudonym_of(customer_code: str) -> str:
    """What replaces an erased customer's name everywhere."""
    return f"Client effacé #{customer_code}"


def personal_values(values: Iterable[str]) -> list[str]:
    """The values worth searching for: stripped, long enough, longest first (so that
    "Julien Martin" is replaced before "Martin"), without duplicates."""
    kept = {v.strip() for v in values if len(v.strip()) >= MIN_VALUE_LENGTH}
    return sorted(kept, key=lambda v: (-len(v), v))


class Scrubber:
    """Replaces every occurrence (case-insensitive) of a person's values in texts and JSON."""

    def __init__(self, values: Sequence[str], replacement: str) -> None:
        kept = personal_values(values)
        self.values = kept
        self.replacement = replacement
        self._pattern = (
            re.compile("|".join(re.escape(v) for v in kept), re.IGNORECASE) if kept else None
        )

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(self.replacement, value)

    def matches(self, value: Any) -> bool:
        """Whether `value` (a text or a JSON document) contains one of the values."""
        if self._pattern is None:
            return False
        return self._pattern.search(json.dumps(value, ensure_ascii=False)) is not None

    def sql_filter(self, column: Any) -> ColumnElement[bool]:
        """Rows whose `column` (text or JSON) may contain one of the values; `matches` decides."""
        if not self.values:
            return false()
        text = cast(column, Text)
        return or_(*(text.ilike(f"%{_like_escaped(v)}%", escape="\\") for v in self.values))

    def json(self, value: Any) -> Any:
        """`value` with every string (keys kept) rewritten."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        return value


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not exportable")


def records_json(records: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """The JSON text of an export: one key per kind of record, each a list of rows."""
    return json.dumps(
        {kind: [dict(row) for row in rows] for kind, rows in records.items()},
        default=_jsonable,
        ensure_ascii=False,
        indent=2,
    )


async def rows_of(session: AsyncSession, query: Select[Any]) -> list[dict[str, Any]]:
    """The rows of `query` as dicts, for an export."""
    return [dict(row) for row in (await session.execute(query)).mappings()]


def changed_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed."""
    return int(typed(CursorResult[Any], result).rowcount)


async def scrub_table(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    scrubber: Scrubber,
    where: ColumnElement[bool] | None = None,
) -> int:
    """Rewrites the person's values in `columns` (texts, text arrays, JSON) of the rows of
    `table` (limited by `where`) that contain one; returns the rows changed."""
    key = list(table.primary_key.columns)
    condition = or_(*(scrubber.sql_filter(table.c[name]) for name in columns))
    if where is not None:
        condition = and_(where, condition)
    query = select(*key, *(table.c[name] for name in columns)).where(condition)
    changed = 0
    for row in (await session.execute(query)).mappings().all():
        values = {name: scrubber.json(row[name]) for name in columns if scrubber.matches(row[name])}
        if values:
            await session.execute(
                update(table)
                .where(and_(*(column == row[column.name] for column in key)))
                .values(**values)
            )
            changed += 1
    return changed


def retention_response(removed: Mapping[str, int]) -> common_pb2.ApplyRetentionResponse:
    """An ApplyRetention answer: rows removed per data class."""
    return common_pb2.ApplyRetentionResponse(
        removed=[
            common_pb2.RetentionCount(data_class=name, rows=rows)
            for name, rows in sorted(removed.items())
        ]
    )
