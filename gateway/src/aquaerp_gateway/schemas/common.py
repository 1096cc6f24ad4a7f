"""Bodies shared by several domains: money, postal address, dates (aquaerp.common.v1)."""

from __future__ import annotations

from datetime import date

from aquaerp.common.v1 import common_pb2
from pydantic import Field

from . import RequestBody


def to_date(value: date) -> common_pb2.Date:
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


class Money(RequestBody):
    amount_cents: int
    currency: str = Field(default="EUR", max_length=3)

    def to_proto(self) -> common_pb2.Money:
        return common_pb2.Money(amount_cents=self.amount_cents, currency=self.currency)

    @classmethod
    def from_proto(cls, money: common_pb2.Money) -> Money:
        return cls(amount_cents=money.amount_cents, currency=money.currency or "EUR")


class Address(RequestBody):
    lines: list[str] = Field(default_factory=list, max_length=5)
    postal_code: str = Field(default="", max_length=16)
    city: str = Field(default="", max_length=100)
    country: str = Field(default="FR", max_length=2)

    def to_proto(self) -> common_pb2.Address:
        return common_pb2.Address(
            lines=self.lines, postal_code=self.postal_code, city=self.city, country=self.country
        )

    @classmethod
    def from_proto(cls, address: common_pb2.Address) -> Address:
        return cls(
            lines=list(address.lines),
            postal_code=address.postal_code,
            city=address.city,
            country=address.country,
        )
