"""Who may do what, and the small request helpers every part of the service shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA
from aquaerp_runtime.context import Principal
from aquaerp_runtime.errors import InvalidArgument

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
    total_size: int = -1  # of the filtered list; -1 when not counted


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
