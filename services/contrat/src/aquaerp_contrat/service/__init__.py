"""Contrat domain logic: who may do what, the rules of each record, and the queries other
services use. No gRPC here; SQL is in repository/, pure calculations in billing, planning and
terms. One part per concern: parties, contracts (life cycle), pricing, schedules."""

from __future__ import annotations

from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database

from .contracts import Contracts
from .imports import Imports
from .parties import Parties
from .pricing import Pricing
from .schedules import ContractBillables, PlannedVisit, RenewalNotice, Schedules

__all__ = [
    "ContractBillables",
    "Contracts",
    "ContratService",
    "Imports",
    "Parties",
    "PlannedVisit",
    "Pricing",
    "RenewalNotice",
    "Schedules",
]


class ContratService:
    """The parts of the service, sharing one database and one clock."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.clock = clock
        self.parties = Parties(database, clock)
        self.contracts = Contracts(database, clock)
        self.pricing = Pricing(database, clock)
        self.schedules = Schedules(database, clock)
        self.imports = Imports(database, clock)
