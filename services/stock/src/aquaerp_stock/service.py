"""Stock use cases: the catalogue and its prices, locations, the movement ledger with its
balances, the consumption of completed visits and the technicians' Certibiocide."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA, TECHNICIEN, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

from .domain import (
    Certificate,
    Family,
    Location,
    LocationKind,
    Movement,
    MovementDraft,
    MovementKind,
    Product,
    ProductDraft,
    StockLevel,
    VisitConsumption,
    check_certibiocide,
    parse_id,
    weighted_average,
)
from .metrics import MOVEMENTS, REFUSED
from .repository import StockRepository

OFFICE = (ADMIN, BUREAU)
READERS = (ADMIN, BUREAU, COMPTA, TECHNICIEN)


@dataclass(frozen=True)
class CountLine:
    product_id: uuid.UUID
    expected: Decimal
    counted: Decimal
    movement_id: uuid.UUID | None


@dataclass(frozen=True)
class ValuationLine:
    product_id: uuid.UUID
    code: str
    label: str
    quantity: Decimal
    average_cost_cents: Decimal

    @property
    def value_cents(self) -> int:
        return int((self.quantity * self.average_cost_cents).to_integral_value())


@dataclass(frozen=True)
class Replenishment:
    product_id: uuid.UUID
    code: str
    label: str
    unit: str
    on_hand: Decimal
    minimum: Decimal
    to_load: Decimal


@dataclass(frozen=True)
class Quote:
    product: Product
    unit_price_cents: int
    price_list: str


class StockService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        allow_negative_stock: bool = False,
        certificate_warning_days: int = 60,
    ) -> None:
        self.database = database
        self.clock = clock
        self.allow_negative_stock = allow_negative_stock
        self.certificate_warning_days = certificate_warning_days

    # -- catalogue -------------------------------------------------------------------------
    async def create_product(self, draft: ProductDraft) -> Product:
        require_roles(*OFFICE)
        draft.checked()
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            if await repo.code_taken(draft.code):
                raise AlreadyExists(
                    f"le code {draft.code} existe déjà", fields={"code": "code déjà utilisé"}
                )
            product_id = await repo.insert_product(draft)
            if draft.standard_price_cents is not None:
                await repo.add_price(product_id, "", self.clock.today(), draft.standard_price_cents)
            found = await repo.product(product_id, self.clock.today(), with_prices=True)
            assert found is not None
            return found

    async def update_product(self, product_id: str, draft: ProductDraft) -> Product:
        require_roles(*OFFICE)
        draft.checked()
        key = parse_id(product_id, "id")
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            await self._product(repo, key, "id")
            await repo.update_product(key, draft)
            found = await repo.product(key, self.clock.today(), with_prices=True)
            assert found is not None
            return found

    async def get_product(self, product_id: str) -> Product:
        require_roles(*READERS)
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            found = await repo.product(
                parse_id(product_id, "id"), self.clock.today(), with_prices=True
            )
        if found is None:
            raise NotFound("article inconnu")
        return found

    async def list_products(
        self,
        query_text: str,
        family: Family | None,
        include_archived: bool,
        after_code: str | None,
        limit: int,
    ) -> list[Product]:
        require_roles(*READERS)
        async with self.database.unit_of_work() as session:
            return await StockRepository(session).list_products(
                query_text.strip(), family, include_archived, after_code, limit, self.clock.today()
            )

    async def add_price(
        self, product_id: str, contract_id: str, valid_from: date, cents: int
    ) -> Product:
        require_roles(*OFFICE)
        key = parse_id(product_id, "product_id")
        if contract_id:
            parse_id(contract_id, "contract_id")
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            await self._product(repo, key, "product_id")
            await repo.add_price(key, contract_id, valid_from, cents)
            found = await repo.product(key, self.clock.today(), with_prices=True)
            assert found is not None
            return found

    async def quote(
        self, product_ids: list[str], contract_id: str, on: date | None, technician_id: str = ""
    ) -> list[Quote]:
        """Prices per unit of sale: the contract's price when it has one that day, else the
        standard one. With a technician, a TP2 biocide needs its valid Certibiocide."""
        require_roles(*OFFICE, TECHNICIEN)
        day = on or self.clock.today()
        keys = [parse_id(value, f"product_ids.{i}") for i, value in enumerate(product_ids)]
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            found = await repo.products(keys, day)
            special = await repo.contract_prices(keys, contract_id, day)
            certificate = await repo.certificate(technician_id) if technician_id else None
        quotes = []
        for i, key in enumerate(keys):
            product = found.get(key)
            if product is None:
                raise InvalidArgument(
                    f"product_ids.{i} : article inconnu",
                    fields={f"product_ids.{i}": "article inconnu"},
                )
            try:
                check_certibiocide(product, technician_id or None, certificate, day)
            except FailedPrecondition as refusal:
                reason = next(iter(refusal.fields.values()))
                raise FailedPrecondition(
                    refusal.message, fields={f"product_ids.{i}": reason}
                ) from None
            if key in special:
                quotes.append(Quote(product, special[key], "contract"))
            elif product.current_price_cents is not None:
                quotes.append(Quote(product, product.current_price_cents, "standard"))
            else:
                raise FailedPrecondition(
                    f"{product.draft.code} n'a pas de prix au {day.strftime('%d/%m/%Y')}",
                    fields={f"product_ids.{i}": "pas de prix"},
                )
        return quotes

    # -- locations -------------------------------------------------------------------------
    async def create_location(self, location: Location) -> Location:
        require_roles(*OFFICE)
        problems: dict[str, str] = {}
        if location.kind == LocationKind.VAN and not location.technician_id:
            problems["technician_id"] = "un camion appartient à un technicien"
        if location.kind == LocationKind.WAREHOUSE and location.technician_id:
            problems["technician_id"] = "un entrepôt n'a pas de technicien"
        if problems:
            raise InvalidArgument("emplacement invalide", fields=problems)
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            conflict = await repo.location_conflict(location.code, location.technician_id)
            if conflict == "code":
                raise AlreadyExists("code déjà utilisé", fields={"code": "code déjà utilisé"})
            if conflict:
                raise AlreadyExists(
                    "ce technicien a déjà un camion", fields={"technician_id": "a déjà un camion"}
                )
            new_id = await repo.insert_location(
                {
                    "code": location.code,
                    "name": location.name,
                    "kind": location.kind.value,
                    "technician_id": location.technician_id or None,
                    "technician_user_id": location.technician_user_id or None,
                }
            )
            return (await repo.locations([new_id]))[new_id]

    async def list_locations(self, kind: LocationKind | None) -> list[Location]:
        principal = require_roles(*READERS)
        async with self.database.unit_of_work() as session:
            found = await StockRepository(session).list_locations(kind)
        if _is_technician_only(principal):
            found = [
                place
                for place in found
                if place.kind == LocationKind.WAREHOUSE
                or place.technician_user_id == principal.subject
            ]
        return found

    # -- ledger ----------------------------------------------------------------------------
    async def record_movement(self, draft: MovementDraft) -> Movement:
        principal = require_roles(*OFFICE, TECHNICIEN)
        draft.check_locations()
        if draft.kind == MovementKind.CONSUMPTION and draft.intervention_id:
            parse_id(draft.intervention_id, "intervention_id")
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            movement_id = await self._record(
                repo, draft, principal, allow_negative=self.allow_negative_stock
            )
            return await repo.movement(movement_id)

    async def _record(
        self,
        repo: StockRepository,
        draft: MovementDraft,
        principal: Principal,
        *,
        allow_negative: bool,
        check_certificates: bool = True,
    ) -> uuid.UUID:
        """Writes one movement and its balances; every check happens before the first write
        and a refusal rolls the whole unit of work back."""
        today = self.clock.today()
        product = (
            await repo.products(
                [draft.product_id], today, for_update=draft.kind == MovementKind.RECEIPT
            )
        ).get(draft.product_id)
        if product is None:
            raise InvalidArgument(
                "product_id : article inconnu", fields={"product_id": "article inconnu"}
            )
        wanted = {
            path: value
            for path, value in (
                ("from_location_id", draft.from_location_id),
                ("to_location_id", draft.to_location_id),
            )
            if value is not None
        }
        places = await repo.locations(list(wanted.values()))
        for path, key in wanted.items():
            place = places.get(key)
            if place is None:
                raise InvalidArgument(
                    f"{path} : emplacement inconnu", fields={path: "emplacement inconnu"}
                )
            if _is_technician_only(principal) and place.technician_user_id != principal.subject:
                raise InvalidArgument(
                    f"{path} : ce n'est pas votre camion",
                    fields={path: "emplacement d'un autre technicien ou entrepôt"},
                )
        quantity = product.to_stock_units(draft.quantity, draft.unit, "unit")
        if quantity <= 0:
            raise InvalidArgument("quantité trop petite", fields={"quantity": "trop petite"})
        source = places.get(draft.from_location_id) if draft.from_location_id else None
        target = places.get(draft.to_location_id) if draft.to_location_id else None
        if check_certificates and target is not None and target.kind == LocationKind.VAN:
            await self._check_certificate(repo, product, target, today)
        if (
            check_certificates
            and draft.kind == MovementKind.CONSUMPTION
            and source is not None
            and source.kind == LocationKind.VAN
        ):
            await self._check_certificate(repo, product, source, today)
        unit_cost = product.average_cost_cents
        if draft.kind == MovementKind.RECEIPT:
            cost = draft.unit_cost_cents
            received_cost = product.draft.purchase_price_cents if cost is None else cost
            unit_cost = Decimal(received_cost)
            average = weighted_average(
                await repo.on_hand(product.id), product.average_cost_cents, quantity, received_cost
            )
            await repo.set_average_cost(product.id, average)
        if draft.from_location_id is not None and draft.to_location_id is not None:
            await repo.lock_balances(product.id, [draft.from_location_id, draft.to_location_id])
        negative = False
        if source is not None and draft.from_location_id is not None:
            left = await repo.debit(product.id, draft.from_location_id, quantity, allow_negative)
            if left is None:
                REFUSED.labels(reason="insufficient_stock").inc()
                raise FailedPrecondition(
                    f"Stock insuffisant de {product.draft.label} dans {source.name}",
                    fields={"quantity": "stock insuffisant"},
                )
            negative = left < 0
        if draft.to_location_id is not None:
            await repo.credit(product.id, draft.to_location_id, quantity)
        stored = MovementDraft(
            kind=draft.kind,
            product_id=product.id,
            quantity=quantity,
            unit=product.draft.unit_of_stock,
            from_location_id=draft.from_location_id,
            to_location_id=draft.to_location_id,
            lot_number=draft.lot_number.strip(),
            reason=draft.reason.strip(),
            intervention_id=draft.intervention_id or None,
            customer_id=draft.customer_id or None,
            contract_id=draft.contract_id or None,
        )
        written = await repo.insert_movement(
            stored, unit_cost, self.clock.now(), principal.subject, negative
        )
        MOVEMENTS.labels(kind=draft.kind.value, negative=str(negative).lower()).inc()
        return written

    async def _check_certificate(
        self, repo: StockRepository, product: Product, van: Location, today: date
    ) -> None:
        if product.draft.needs_certibiocide:
            certificate = await repo.certificate(van.technician_id or "")
            try:
                check_certibiocide(product, van.technician_id, certificate, today)
            except FailedPrecondition:
                REFUSED.labels(reason="certibiocide").inc()
                raise

    async def list_movements(
        self,
        product_id: str,
        location_id: str,
        intervention_id: str,
        before_sequence: int | None,
        limit: int,
    ) -> list[tuple[int, Movement]]:
        principal = require_roles(*READERS)
        product_key = parse_id(product_id, "product_id") if product_id else None
        location_key = parse_id(location_id, "location_id") if location_id else None
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            if _is_technician_only(principal):
                await self._own_location(repo, principal, location_key)
            return await repo.list_movements(
                product_key, location_key, intervention_id, before_sequence, limit
            )

    async def list_stock(self, location_id: str, product_id: str) -> list[StockLevel]:
        principal = require_roles(*READERS)
        location_key = parse_id(location_id, "location_id") if location_id else None
        product_key = parse_id(product_id, "product_id") if product_id else None
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            if _is_technician_only(principal):
                await self._own_location(repo, principal, location_key)
            return await repo.stock_levels(location_key, product_key)

    @staticmethod
    async def _own_location(
        repo: StockRepository, principal: Principal, location_key: uuid.UUID | None
    ) -> None:
        """A technician reads its own van or a warehouse, one location at a time."""
        place = (await repo.locations([location_key])).get(location_key) if location_key else None
        if place is None or (
            place.kind == LocationKind.VAN and place.technician_user_id != principal.subject
        ):
            raise InvalidArgument(
                "location_id : choisissez votre camion ou un entrepôt",
                fields={"location_id": "votre camion ou un entrepôt"},
            )

    async def record_visit_consumption(
        self, visit: VisitConsumption
    ) -> tuple[list[Movement], bool]:
        """Debits the van once per visit. The goods were used on site: the debit is not refused
        for want of stock (the balance goes below zero and is flagged), and the Certibiocide was
        checked when the product was put on the report."""
        principal = require_roles(*OFFICE)
        parse_id(visit.intervention_id, "intervention_id")
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            if not await repo.claim_visit(visit.intervention_id, visit.event_id, self.clock.now()):
                return [], True
            if not visit.items:
                return [], False
            van = await repo.van_of(visit.technician_id)
            if van is None:
                raise FailedPrecondition(
                    "le technicien n'a pas de camion", fields={"technician_id": "pas de camion"}
                )
            found = await repo.products([key for key, _ in visit.items], self.clock.today())
            written = []
            for i, (key, quantity) in enumerate(visit.items):
                product = found.get(key)
                if product is None:
                    raise InvalidArgument(
                        "article inconnu", fields={f"items.{i}.product_id": "article inconnu"}
                    )
                draft = MovementDraft(
                    kind=MovementKind.CONSUMPTION,
                    product_id=key,
                    quantity=quantity,
                    unit=product.draft.unit_of_sale,
                    from_location_id=van.id,
                    intervention_id=visit.intervention_id,
                    customer_id=visit.customer_id,
                    contract_id=visit.contract_id,
                )
                written.append(
                    await self._record(
                        repo, draft, principal, allow_negative=True, check_certificates=False
                    )
                )
            return [await repo.movement(m) for m in written], False

    async def record_count(
        self, location_id: str, counted: list[tuple[uuid.UUID, Decimal, str]], note: str
    ) -> list[CountLine]:
        """Each counted item against its locked balance; a difference becomes an adjustment
        (up into the location, or down out of it), all in one transaction."""
        principal = require_roles(*OFFICE, TECHNICIEN)
        key = parse_id(location_id, "location_id")
        reason = f"Inventaire {self.clock.today():%d/%m/%Y}" + (
            f" : {note.strip()}" if note.strip() else ""
        )
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            place = (await repo.locations([key])).get(key)
            if place is None:
                raise InvalidArgument(
                    "location_id : emplacement inconnu",
                    fields={"location_id": "emplacement inconnu"},
                )
            if _is_technician_only(principal) and place.technician_user_id != principal.subject:
                # A technician counts its own van only: another van or a warehouse is not its
                # to count, whatever the input.
                raise PermissionDenied(
                    "Vous ne pouvez compter que votre propre véhicule.",
                    fields={"location_id": "véhicule d'un autre technicien ou dépôt"},
                )
            found = await repo.products([p for p, _, _ in counted], self.clock.today())
            lines = []
            for i, (product_id, quantity, unit) in enumerate(counted):
                product = found.get(product_id)
                if product is None:
                    raise InvalidArgument(
                        "article inconnu", fields={f"items.{i}.product_id": "article inconnu"}
                    )
                in_stock_units = product.to_stock_units(quantity, unit, f"items.{i}.unit")
                expected = await repo.locked_balance(product_id, key)
                difference = in_stock_units - expected
                movement_id = None
                if difference != 0:
                    movement_id = await self._record(
                        repo,
                        MovementDraft(
                            kind=MovementKind.ADJUSTMENT,
                            product_id=product_id,
                            quantity=abs(difference),
                            unit=product.draft.unit_of_stock,
                            from_location_id=key if difference < 0 else None,
                            to_location_id=key if difference > 0 else None,
                            reason=reason,
                        ),
                        principal,
                        allow_negative=True,
                        check_certificates=False,
                    )
                lines.append(CountLine(product_id, expected, in_stock_units, movement_id))
            return lines

    # -- reports ---------------------------------------------------------------------------
    async def valuation(self, location_id: str) -> list[ValuationLine]:
        require_roles(*OFFICE, COMPTA)
        key = parse_id(location_id, "location_id") if location_id else None
        async with self.database.unit_of_work() as session:
            rows = await StockRepository(session).valuation(key)
        return [
            ValuationLine(r.id, r.code, r.label, Decimal(r.quantity), Decimal(r.average_cost_cents))
            for r in rows
        ]

    async def replenishment(self, location_id: str) -> list[Replenishment]:
        """For a van: each item below its minimum, the shortfall within the warehouses' stock."""
        principal = require_roles(*OFFICE, TECHNICIEN)
        key = parse_id(location_id, "location_id")
        async with self.database.unit_of_work() as session:
            repo = StockRepository(session)
            van = (await repo.locations([key])).get(key)
            if van is None or van.kind != LocationKind.VAN:
                raise InvalidArgument(
                    "location_id : choisissez un camion", fields={"location_id": "pas un camion"}
                )
            if _is_technician_only(principal) and van.technician_user_id != principal.subject:
                raise InvalidArgument(
                    "location_id : ce n'est pas votre camion",
                    fields={"location_id": "camion d'un autre technicien"},
                )
            rows = await repo.van_shortfalls(key)
        return [
            Replenishment(
                r.id,
                r.code,
                r.label,
                r.unit_of_stock,
                Decimal(r.on_hand),
                Decimal(r.van_minimum),
                max(
                    Decimal(0),
                    min(Decimal(r.van_minimum) - Decimal(r.on_hand), Decimal(r.available)),
                ),
            )
            for r in rows
        ]

    # -- certificates ----------------------------------------------------------------------
    async def set_certificate(self, certificate: Certificate) -> Certificate:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            await StockRepository(session).set_certificate(certificate)
        return certificate

    async def expiring_certificates(self, within_days: int) -> list[Certificate]:
        require_roles(*OFFICE)
        days = within_days or self.certificate_warning_days
        async with self.database.unit_of_work() as session:
            return await StockRepository(session).certificates_expiring_by(
                self.clock.today() + timedelta(days=days)
            )

    @staticmethod
    async def _product(repo: StockRepository, key: uuid.UUID, path: str) -> Product:
        found = (await repo.products([key], date.min)).get(key)
        if found is None:
            raise NotFound("article inconnu", fields={path: "article inconnu"})
        return found


def _is_technician_only(principal: Principal) -> bool:
    return not principal.is_service and not principal.has_any(ADMIN, BUREAU, COMPTA)
