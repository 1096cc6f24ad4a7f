"""What facture reads from other services, as plain values (the gRPC adapters in `clients.py`
build them; the domain never sees a proto message)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from .documents import Address


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer's billing data in the contrat service."""

    id: str
    code: str
    name: str
    is_business: bool
    siren: str
    vat_number: str
    address: Address
    email: str
    contact_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "is_business": self.is_business,
            "siren": self.siren,
            "vat_number": self.vat_number,
            "address": {
                "line1": self.address.line1,
                "line2": self.address.line2,
                "postal_code": self.address.postal_code,
                "city": self.address.city,
                "country_code": self.address.country_code,
            },
            "email": self.email,
            "contact_name": self.contact_name,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomerRecord:
        return cls(**{**data, "address": Address(**data["address"])})


@dataclass(frozen=True, slots=True)
class BillableItem:
    """What one contract line owes for (part of) one billing period, at one unit price."""

    key: str
    line_id: str
    label: str
    period_start: date
    period_end: date
    start: date
    end: date
    days: int
    period_days: int
    quantity: Decimal
    unit_code: str
    unit_price_cents: int
    vat_rate: Decimal
    amount_cents: int
    prorated: bool
    site_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "line_id": self.line_id,
            "label": self.label,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "period_days": self.period_days,
            "quantity": str(self.quantity),
            "unit_code": self.unit_code,
            "unit_price_cents": self.unit_price_cents,
            "vat_rate": str(self.vat_rate),
            "amount_cents": self.amount_cents,
            "prorated": self.prorated,
            "site_id": self.site_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BillableItem:
        values = dict(data)
        for name in ("period_start", "period_end", "start", "end"):
            values[name] = date.fromisoformat(values[name])
        values["quantity"] = Decimal(values["quantity"])
        values["vat_rate"] = Decimal(values["vat_rate"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ContractBillables:
    """A contract's billable items up to a date, and what its invoices need."""

    contract_id: str
    contract_number: str
    customer: CustomerRecord
    payment_days: int
    end_of_month: bool
    items: tuple[BillableItem, ...]


@dataclass(frozen=True, slots=True)
class InterventionPart:
    description: str
    quantity: Decimal
    unit: str
    unit_price_cents: int


@dataclass(frozen=True, slots=True)
class InterventionRecord:
    """A completed intervention as the intervention service reports it."""

    id: str
    customer_id: str
    contract_id: str
    completed: bool
    completed_on: date | None
    billable: bool
    label: str
    labour_minutes: int
    site_address: Address | None
    parts: tuple[InterventionPart, ...] = field(default=())


class ContratDirectory(Protocol):
    """The contrat service, as facture uses it."""

    async def customer(self, customer_id: str) -> CustomerRecord: ...

    async def contract_number(self, contract_id: str, customer_id: str = "") -> str:
        """The contract's number; 422 on `contract_id` when it is not `customer_id`'s."""
        ...

    async def billables(
        self,
        *,
        up_to: date,
        from_date: date | None,
        contract_id: str,
        page_size: int,
        page_token: str,
    ) -> tuple[list[ContractBillables], str]: ...


class InterventionDirectory(Protocol):
    """The intervention service, as facture uses it."""

    async def intervention(self, intervention_id: str) -> InterventionRecord: ...
