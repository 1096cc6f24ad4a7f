"""Prices: dated price changes and the yearly indexation of a contract's prices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument

from .. import validation
from ..domain import (
    LIVE_STATUSES,
    Contract,
    ContractStatus,
    IndexationMethod,
    IndexationRecord,
    PricePoint,
)
from ..repository import ContratRepository
from ..terms import ONE_DAY, anniversaries_between, anniversary_number
from .access import MANAGERS
from .contracts import contract_event, load_contract, lock_contract


def _price_factor_applied(cents: int, factor: Decimal) -> int:
    return int((Decimal(cents) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Pricing:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    # -- prices ----------------------------------------------------------------------------------
    async def change_prices(
        self,
        contract_id: str,
        effective: date | None,
        prices: Sequence[tuple[str, int | None, str]],
        reason: str,
    ) -> Contract:
        """`prices`: (line id, unit price in cents, currency)."""
        require_roles(*MANAGERS)
        effective = validation.required_date(effective, "effective_date")
        reason = validation.reason(reason or "changement de tarif")
        violations = validation.Violations()
        if not prices:
            violations.add("prices", "at least one line price")
        parsed: list[tuple[uuid.UUID | None, int]] = []
        for index, (raw_line_id, cents, currency) in enumerate(prices):
            parsed.append(
                (
                    validation.parse_uuid(violations, f"prices.{index}.line_id", raw_line_id),
                    validation.price_cents(
                        violations, f"prices.{index}.unit_price", cents, currency
                    ),
                )
            )
        violations.raise_if_any("invalid prices")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
            if contract.status not in LIVE_STATUSES:
                raise FailedPrecondition(
                    f"prices of a {contract.status.value} contract cannot change"
                    + (
                        " (edit the draft instead)"
                        if contract.status == ContractStatus.DRAFT
                        else ""
                    )
                )
            if effective < contract.start_date:
                raise InvalidArgument(
                    "before the contract start", fields={"effective_date": "before the start"}
                )
            lines = {line.id: line for line in contract.lines}
            for index, (line_id, _) in enumerate(parsed):
                if line_id not in lines:
                    violations.add(f"prices.{index}.line_id", "not a line of this contract")
            violations.raise_if_any("invalid prices")
            await repo.insert_prices(
                [
                    (line_id, PricePoint(effective, cents, "change"))
                    for line_id, cents in parsed
                    if line_id
                ]
            )
            changed = await load_contract(repo, contract.id)
            await repo.add_event(
                "contrat.contract.price_changed",
                contract.id,
                contract_event(
                    changed,
                    effective_date=effective.isoformat(),
                    reason=reason,
                    lines=[
                        {
                            "line_id": str(line_id),
                            "previous_unit_price_cents": lines[line_id].price_on(
                                effective - ONE_DAY
                            ),
                            "unit_price_cents": cents,
                        }
                        for line_id, cents in parsed
                        if line_id
                    ],
                ),
            )
        return changed

    async def apply_indexation(
        self, contract_id: str, anniversary: date | None, index_value: str
    ) -> Contract:
        require_roles(*MANAGERS)
        anniversary = validation.required_date(anniversary, "anniversary")
        value = self._index_value(index_value) if index_value.strip() else None
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
            return await self._index(repo, contract, anniversary, value)

    @staticmethod
    def _index_value(text: str) -> Decimal:
        violations = validation.Violations()
        value = validation.parse_decimal(violations, "index_value", text)
        if value is not None and value <= 0:
            violations.add("index_value", "must be positive")
        violations.raise_if_any()
        assert value is not None
        return value

    async def _index(
        self,
        repo: ContratRepository,
        contract: Contract,
        anniversary: date,
        index_value: Decimal | None,
    ) -> Contract:
        rule = contract.indexation
        if contract.status not in LIVE_STATUSES:
            raise FailedPrecondition(f"a {contract.status.value} contract is not indexed")
        if rule.method == IndexationMethod.NONE:
            raise FailedPrecondition("the contract has no indexation clause")
        if anniversary_number(contract.start_date, anniversary) is None:
            raise InvalidArgument(
                "not an anniversary of the start date", fields={"anniversary": "not an anniversary"}
            )
        last = contract.indexations[-1].effective_date if contract.indexations else None
        if last is not None and anniversary <= last:
            raise FailedPrecondition(f"already indexed up to {last.isoformat()}")
        if contract.last_covered_day and anniversary > contract.last_covered_day:
            raise FailedPrecondition("the contract has ended by then")
        previous_index = rule.reference_index_value
        if rule.method == IndexationMethod.PERCENTAGE:
            assert rule.percentage is not None
            factor = 1 + rule.percentage / 100
        else:
            if index_value is None:
                raise InvalidArgument(
                    "the new index value is required", fields={"index_value": "required"}
                )
            assert previous_index
            factor = index_value / previous_index
        factor = factor.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
        changes = [
            (
                line,
                line.price_on(anniversary - ONE_DAY),
                _price_factor_applied(line.price_on(anniversary - ONE_DAY), factor),
            )
            for line in contract.lines
        ]
        await repo.insert_prices(
            [(line.id, PricePoint(anniversary, new, "indexation")) for line, _, new in changes]
        )
        await repo.insert_indexation(
            contract.id,
            IndexationRecord(
                effective_date=anniversary,
                method=rule.method,
                factor=factor,
                previous_index_value=previous_index
                if rule.method == IndexationMethod.INDEX
                else None,
                index_value=index_value if rule.method == IndexationMethod.INDEX else None,
                created_at=self.clock.now(),
            ),
        )
        if rule.method == IndexationMethod.INDEX:
            await repo.update_contract(contract.id, {"reference_index_value": index_value})
        indexed = await load_contract(repo, contract.id)
        await repo.add_event(
            "contrat.contract.price_changed",
            contract.id,
            contract_event(
                indexed,
                effective_date=anniversary.isoformat(),
                reason="indexation",
                factor=str(factor),
                lines=[
                    {
                        "line_id": str(line.id),
                        "previous_unit_price_cents": old,
                        "unit_price_cents": new,
                    }
                    for line, old, new in changes
                ],
            ),
        )
        return indexed

    async def apply_due_indexations(
        self, on_date: date | None, index_values: dict[str, str]
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Percentage contracts get every missed anniversary in order; index contracts get the
        latest due anniversary when the index value is given (a current value says nothing of
        earlier years)."""
        require_roles(*MANAGERS)
        day = on_date or self.clock.today()
        values = {name.strip(): self._index_value(value) for name, value in index_values.items()}
        async with self.database.unit_of_work() as session:
            ids = await ContratRepository(session).indexed_contract_ids()
        indexed, skipped = [], []
        for contract_id in ids:
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                contract = await lock_contract(repo, str(contract_id))
                after = (
                    contract.indexations[-1].effective_date
                    if contract.indexations
                    else contract.start_date
                )
                until = min(day, contract.last_covered_day or day)
                due = anniversaries_between(contract.start_date, after, until)
                if not due or contract.status not in LIVE_STATUSES:
                    continue
                if contract.indexation.method == IndexationMethod.PERCENTAGE:
                    for anniversary in due:
                        contract = await self._index(repo, contract, anniversary, None)
                    indexed.append(contract.id)
                elif contract.indexation.index_name in values:
                    await self._index(
                        repo, contract, due[-1], values[contract.indexation.index_name]
                    )
                    indexed.append(contract.id)
                else:
                    skipped.append(contract.id)
        return indexed, skipped
