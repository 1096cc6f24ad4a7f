"""What intervention needs from contrat, as plain data, and the interface to fetch it.

The domain depends on `ContractDirectory` only; `contrat_client.ContratClient` implements it
over gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from .geo import GeoPoint


@dataclass(frozen=True)
class Address:
    lines: list[str] = field(default_factory=list)
    postal_code: str = ""
    city: str = ""
    country: str = "FR"

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": list(self.lines),
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Address:
        lines = data.get("lines") or []
        return cls(
            lines=[str(line) for line in lines] if isinstance(lines, list) else [],
            postal_code=str(data.get("postal_code") or ""),
            city=str(data.get("city") or ""),
            country=str(data.get("country") or ""),
        )

    def one_line(self) -> str:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join([*self.lines, place] if place else self.lines)


@dataclass(frozen=True)
class SiteInfo:
    site_id: str
    customer_id: str
    name: str
    address: Address
    location: GeoPoint | None
    access_notes: str = ""
    gate_code: str = ""


@dataclass(frozen=True)
class ContractInfo:
    contract_id: str
    number: str
    customer_id: str
    active: bool
    site_ids: list[str]
    sla_hours: int


@dataclass(frozen=True)
class PlanOccurrence:
    """One visit a maintenance plan calls for."""

    contract_id: str
    customer_id: str
    site_id: str
    plan_id: str
    day: date
    window_start: int
    window_end: int
    duration_minutes: int
    required_skill: str
    label: str
    description: str
    next_from_completion: bool


class ContractDirectory(Protocol):
    async def contract(self, contract_id: str) -> ContractInfo: ...

    async def site(self, site_id: str) -> SiteInfo: ...

    async def occurrences(self, contract_id: str, first: date, last: date) -> list[PlanOccurrence]:
        """Occurrences of one contract's plans (all active contracts when empty), by day."""
        ...

    async def next_occurrence(self, plan_id: str, completed_on: date) -> PlanOccurrence | None:
        """The next visit of a plan that restarts from the actual completion date."""
        ...
