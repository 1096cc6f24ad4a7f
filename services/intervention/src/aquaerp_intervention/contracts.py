"""What intervention needs from contrat, as plain data, and the interface to fetch it.

The domain depends on `ContractDirectory` only; `contrat_client.ContratClient` implements it
over gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from aquaerp_runtime.convert import Address

from .geo import GeoPoint


def address_json(address: Address) -> dict[str, object]:
    """The address as stored with a visit (its site's snapshot)."""
    return {
        "lines": list(address.lines),
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
    }


def address_from_json(data: dict[str, object]) -> Address:
    lines = data.get("lines") or []
    return Address(
        lines=tuple(str(line) for line in lines) if isinstance(lines, list) else (),
        postal_code=str(data.get("postal_code") or ""),
        city=str(data.get("city") or ""),
        country=str(data.get("country") or ""),
    )


def one_line(address: Address) -> str:
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    return ", ".join([*address.lines, place] if place else address.lines)


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
class InstallationInfo:
    """A contrat installation as the water profile needs it."""

    installation_id: str
    site_id: str
    spa: bool
    volume_m3: float
    name: str = ""


class InstallationDirectory(Protocol):
    async def installation(self, installation_id: str) -> InstallationInfo: ...

    async def installations(self, site_id: str) -> list[InstallationInfo]:
        """The pools and spas of a site (not the treatment units), by name."""
        ...


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
