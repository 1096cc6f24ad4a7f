"""Who may do what, and the small request helpers every part of the service shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA
from aquaerp_runtime.context import Principal
from aquaerp_runtime.errors import InvalidArgument

from .paging import decode_token

# Office staff read everything and prepare drafts; accounting issues, collects and exports;
# a client reads its own customer's issued documents.
OFFICE = (ADMIN, BUREAU, COMPTA)
ACCOUNTING = (ADMIN, COMPTA)
READERS = (ADMIN, BUREAU, COMPTA, CLIENT)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str


def client_customer(principal: Principal) -> str | None:
    """The only customer a client may see; None for office staff and services."""
    if principal.is_service or principal.has_any(ADMIN, BUREAU, COMPTA):
        return None
    return principal.customer_id or "-"


def parse_id(value: str, field_name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError):
        raise InvalidArgument(
            f"{field_name} is not a valid id", fields={field_name: "not a valid id"}
        ) from None


def after_token(token: str) -> tuple[datetime, uuid.UUID] | None:
    """The (creation time, id) sort key a page token carries."""
    values = decode_token(token, 2)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except ValueError:
        raise InvalidArgument(
            "invalid page token", fields={"page.page_token": "invalid page token"}
        ) from None
