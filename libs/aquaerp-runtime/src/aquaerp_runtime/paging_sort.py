"""Sorted, counted list pages: the `order_by` of every sortable List RPC, in one place.

`order_by` is a whitelisted sort name, optionally followed by " desc" or " asc" (AIP-132 style:
"issue_date desc"); empty is the list's default. Every order ends on the table's id in the same
direction, so equal sort values still have one stable order, and the page token (keyset paging)
carries the sort it was made for with the last row's (sort value, id): a token is refused under
another sort, and paging a sorted list never repeats or skips a row. A nullable column is sorted
through a non-null expression (e.g. `coalesce(issue_date, '0001-01-01')`), which is also what
its index is built on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from .errors import InvalidArgument
from .paging import decode_token, encode_token, invalid_token

ORDER_FIELD = "order_by"
SORT_KEY = "_sort_key"


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


@dataclass(frozen=True)
class SortColumn:
    """One sortable column: the non-null SQL expression ordered on, and how a token's text of
    its value is read back (e.g. `int`, `date.fromisoformat`)."""

    expression: ColumnElement[Any]
    parse: Callable[[str], Any] = str


@dataclass(frozen=True)
class Order:
    """One resolved `order_by` of a list."""

    name: str
    descending: bool
    column: SortColumn
    tiebreak: ColumnElement[Any]
    parse_id: Callable[[str], Any]

    @property
    def spec(self) -> str:
        return f"{self.name} {'desc' if self.descending else 'asc'}"

    def clauses(self) -> list[ColumnElement[Any]]:
        columns = [self.column.expression, self.tiebreak]
        return [c.desc() if self.descending else c.asc() for c in columns]

    def after(self, token: str) -> ColumnElement[bool] | None:
        """The keyset condition of the rows after a token's (refused if made for another sort)."""
        values = decode_token(token, 3)
        if values is None:
            return None
        if values[0] != self.spec:
            raise invalid_token()
        try:
            key = (self.column.parse(values[1]), self.parse_id(values[2]))
        except ValueError:
            raise invalid_token() from None
        row = tuple_(self.column.expression, self.tiebreak)
        return row < tuple_(*key) if self.descending else row > tuple_(*key)

    def token(self, sort_value: Any, row_id: Any) -> str:
        return encode_token(self.spec, _text(sort_value), _text(row_id))


class Sorting:
    """The sorts a list accepts: `columns` by public name, the `default` ("created_at desc"),
    and the id column that breaks ties."""

    def __init__(
        self,
        columns: Mapping[str, SortColumn],
        *,
        default: str,
        tiebreak: ColumnElement[Any],
        parse_id: Callable[[str], Any] = uuid.UUID,
    ) -> None:
        self.columns = dict(columns)
        self.tiebreak = tiebreak
        self.parse_id = parse_id
        self.default = self.order(default)

    @property
    def names(self) -> list[str]:
        return sorted(self.columns)

    def order(self, order_by: str) -> Order:
        """The order of a request's `order_by`; an unknown name or direction is refused on
        the field `order_by`, naming the accepted ones."""
        words = order_by.strip().split()
        if not words:
            return self.default
        name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if name not in self.columns or direction not in ("asc", "desc") or len(words) > 2:
            accepted = ", ".join(self.names)
            raise InvalidArgument(
                f"unknown sort {order_by!r}; sortable: {accepted}",
                fields={ORDER_FIELD: f"unknown sort; sortable: {accepted}"},
                reason="list.unknown_sort",
                params={"order_by": order_by, "sortable": accepted},
            )
        return Order(name, direction == "desc", self.columns[name], self.tiebreak, self.parse_id)


@dataclass(frozen=True)
class SortedPage:
    rows: list[dict[str, Any]]
    next_page_token: str
    total_size: int


async def sorted_page(
    session: AsyncSession,
    statement: Select[Any],
    order: Order,
    *,
    page_token: str,
    limit: int,
    counted: Select[Any] | None = None,
) -> SortedPage:
    """A page of `statement` (the filtered list, without order or limit) in `order`, after the
    page token, and the total number of rows of the filtered list: of `counted` when given (the
    same filter selecting only the id, cheaper than the list's computed columns)."""
    after = order.after(page_token)
    keyed = statement.add_columns(order.column.expression.label(SORT_KEY))
    if after is not None:
        keyed = keyed.where(after)
    keyed = keyed.order_by(*order.clauses()).limit(limit + 1)
    mappings = (await session.execute(keyed)).mappings().all()
    rows = [{k: v for k, v in m.items() if k != SORT_KEY} for m in mappings[:limit]]
    token = ""
    if len(mappings) > limit:
        last = mappings[limit - 1]
        token = order.token(last[SORT_KEY], last[order.tiebreak.key or "id"])
    total = await count_rows(session, statement if counted is None else counted)
    return SortedPage(rows, token, total)


async def count_rows(session: AsyncSession, statement: Select[Any]) -> int:
    """The number of rows of a filtered list statement."""
    counted = select(func.count()).select_from(statement.order_by(None).limit(None).subquery())
    return int(await session.scalar(counted) or 0)


async def all_rows(
    session: AsyncSession, statement: Select[Any], order: Order, *, maximum: int
) -> Sequence[dict[str, Any]]:
    """Every row of the filtered list in `order`, at most `maximum` (an export)."""
    ordered = statement.order_by(*order.clauses()).limit(maximum)
    return [dict(m) for m in (await session.execute(ordered)).mappings().all()]
