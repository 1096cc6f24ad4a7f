"""Converters between the common protobuf types and Python values, used by every servicer.

One place for each: dates (`common.v1.Date`), timestamps, money, addresses, and enums mapped in
both directions from the `<TYPE>_UNSPECIFIED = 0` naming.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar

from aquaerp.common.v1 import common_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from .errors import InvalidArgument

EUR = "EUR"
# Bounds accepted at the API edge: PostgreSQL and Python both handle these, and no business
# value comes near them (a billion euros in cents; years a contract or invoice can carry).
MAX_CENTS = 100_000_000_000
MIN_YEAR, MAX_YEAR = 1900, 2999


class _HasFields(Protocol):
    def HasField(self, field_name: Any, /) -> bool: ...


# -- dates -------------------------------------------------------------------------------------
def to_date(message: common_pb2.Date, path: str) -> date:
    """The date of a `Date` message; 422 naming `path` when it is not a real date."""
    try:
        value = date(message.year, message.month, message.day)
    except ValueError:
        raise InvalidArgument(
            f"{path}: not a valid date", fields={path: "not a valid date"}
        ) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidArgument(
            f"{path}: year out of range", fields={path: f"year must be {MIN_YEAR}-{MAX_YEAR}"}
        )
    return value


def optional_date(owner: _HasFields, field: str, path: str | None = None) -> date | None:
    """The date in `owner.<field>`, None when the field is not set."""
    if not owner.HasField(field):
        return None
    return to_date(getattr(owner, field), path or field)


def date_message(value: date | None) -> common_pb2.Date | None:
    if value is None:
        return None
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


# -- timestamps --------------------------------------------------------------------------------
def timestamp(value: datetime | None) -> Timestamp | None:
    """A `Timestamp` for an aware datetime (naive ones are taken as UTC), None for None."""
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return stamp


def to_datetime(stamp: Timestamp) -> datetime:
    """An aware UTC datetime from a `Timestamp`."""
    return stamp.ToDatetime(tzinfo=UTC)


def optional_datetime(owner: _HasFields, field: str) -> datetime | None:
    return to_datetime(getattr(owner, field)) if owner.HasField(field) else None


# -- money -------------------------------------------------------------------------------------
def money(cents: int, currency: str = EUR) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency=currency)


def to_cents(message: common_pb2.Money, path: str, *, allow_negative: bool = False) -> int:
    """The amount of a `Money` in cents, checked: euros only, within bounds."""
    if message.currency not in ("", EUR):
        raise InvalidArgument(
            f"{path}: only EUR is supported", fields={f"{path}.currency": "only EUR is supported"}
        )
    cents = message.amount_cents
    if abs(cents) > MAX_CENTS:
        raise InvalidArgument(
            f"{path}: amount out of range", fields={f"{path}.amount_cents": "amount out of range"}
        )
    if cents < 0 and not allow_negative:
        raise InvalidArgument(
            f"{path}: must not be negative",
            fields={f"{path}.amount_cents": "must not be negative"},
        )
    return cents


# -- addresses ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Address:
    """A postal address as the domains hold it."""

    lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""
    country: str = "FR"


def address_from(message: common_pb2.Address) -> Address:
    return Address(tuple(message.lines), message.postal_code, message.city, message.country or "FR")


def address_message(value: Address) -> common_pb2.Address:
    return common_pb2.Address(
        lines=list(value.lines),
        postal_code=value.postal_code,
        city=value.city,
        country=value.country,
    )


# -- enums -------------------------------------------------------------------------------------
E = TypeVar("E", bound=enum.Enum)


class EnumMap(Generic[E]):
    """Both directions between a proto enum and a Python `Enum`, matched by name:
    `CONTRACT_STATUS_ACTIVE` ↔ `ContractStatus.ACTIVE` (the proto prefix is the upper-snake
    name of the proto enum; `_UNSPECIFIED` maps to nothing and is refused on input)."""

    def __init__(self, proto_enum: Any, python_enum: type[E], *, prefix: str = "") -> None:
        descriptor = proto_enum.DESCRIPTOR
        prefix = prefix or _upper_snake(descriptor.name) + "_"
        self._python_enum = python_enum
        self._to_python: dict[int, E] = {}
        self._to_proto: dict[E, int] = {}
        for value in descriptor.values:
            name = value.name.removeprefix(prefix)
            if name == "UNSPECIFIED":
                continue
            member = python_enum[name]
            self._to_python[value.number] = member
            self._to_proto[member] = value.number
        missing = set(python_enum) - set(self._to_proto)
        if missing:
            raise ValueError(f"{descriptor.full_name} lacks {sorted(m.name for m in missing)}")

    def to_python(self, number: int, path: str) -> E:
        """The member for a proto value; 422 naming `path` for UNSPECIFIED or unknown values."""
        try:
            return self._to_python[number]
        except KeyError:
            raise InvalidArgument(f"{path}: value required", fields={path: "required"}) from None

    def optional(self, number: int) -> E | None:
        """The member for a proto value, None for UNSPECIFIED (a filter left empty)."""
        return self._to_python.get(number)

    def to_proto(self, member: E) -> Any:
        return self._to_proto[member]

    @property
    def members(self) -> Mapping[int, E]:
        return dict(self._to_python)


def enum_map(proto_enum: Any, python_enum: type[E], *, prefix: str = "") -> EnumMap[E]:
    return EnumMap(proto_enum, python_enum, prefix=prefix)


def _upper_snake(name: str) -> str:
    out: list[str] = []
    for index, char in enumerate(name):
        if char.isupper() and index and not name[index - 1].isupper():
            out.append("_")
        out.append(char.upper())
    return "".join(out)
