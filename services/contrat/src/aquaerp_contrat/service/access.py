"""What a caller may reach: the roles of each kind of operation, the one customer a client is
limited to, ids taken from requests, and results handed out page by page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA
from aquaerp_runtime.context import Principal
from aquaerp_runtime.errors import NotFound

MANAGERS = (ADMIN, BUREAU)
READERS = (ADMIN, BUREAU, COMPTA, CLIENT)
OFFICE_READERS = (ADMIN, BUREAU, COMPTA)
# Who sees a site's gate code in GetSite (services such as intervention always do).
GATE_CODE_READERS = (ADMIN, BUREAU, CLIENT)


@dataclass(frozen=True)
class Visibility:
    """Which customer's records the caller may see: everything, or one customer (a client)."""

    customer_id: uuid.UUID | None
    restricted: bool

    def allows(self, customer_id: uuid.UUID) -> bool:
        return not self.restricted or customer_id == self.customer_id


EVERYTHING = Visibility(None, False)


def visibility_of(principal: Principal) -> Visibility:
    if principal.is_service or principal.has_any(*OFFICE_READERS):
        return EVERYTHING
    try:
        return Visibility(uuid.UUID(principal.customer_id), True)
    except ValueError:
        return Visibility(uuid.UUID(int=0), True)


def parse_id(value: str, what: str) -> uuid.UUID:
    """An id from a request; a malformed one cannot exist, so it is NOT_FOUND."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"{what} not found") from None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str
    total_size: int = -1  # of the filtered list; -1 when not counted
