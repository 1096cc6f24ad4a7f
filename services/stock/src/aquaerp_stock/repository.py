"""All SQL of the stock service, one repository per unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import (
    Biocide,
    Certificate,
    DosingRole,
    Family,
    Location,
    LocationKind,
    Movement,
    MovementDraft,
    MovementKind,
    Price,
    Product,
    ProductDraft,
    StockLevel,
)
from .models import (
    balances,
    certificates,
    locations,
    movements,
    prices,
    products,
    visit_consumptions,
)


def product_values(draft: ProductDraft) -> dict[str, Any]:
    return {
        "code": draft.code,
        "label": draft.label,
        "family": draft.family.value,
        "unit_of_sale": draft.unit_of_sale,
        "unit_of_stock": draft.unit_of_stock,
        "sale_units_per_stock_unit": draft.sale_units_per_stock_unit,
        "vat_rate": draft.vat_rate,
        "ean": draft.ean,
        "supplier": draft.supplier,
        "purchase_price_cents": draft.purchase_price_cents,
        "billable": draft.billable,
        "dosing_role": draft.dosing_role.value if draft.dosing_role else "",
        "strength_percent": draft.strength_percent,
        "biocide_type": draft.biocide.product_type,
        "biocide_authorisation": draft.biocide.authorisation_number,
        "safety_data_sheet_url": draft.biocide.safety_data_sheet_url,
        "pictograms": list(draft.biocide.pictograms),
        "van_minimum": draft.van_minimum,
        "warehouse_minimum": draft.warehouse_minimum,
        "archived": draft.archived,
    }


def _product_draft(row: Row[Any]) -> ProductDraft:
    return ProductDraft(
        code=row.code,
        label=row.label,
        family=Family(row.family),
        unit_of_sale=row.unit_of_sale,
        unit_of_stock=row.unit_of_stock,
        sale_units_per_stock_unit=row.sale_units_per_stock_unit,
        vat_rate=row.vat_rate,
        ean=row.ean,
        supplier=row.supplier,
        purchase_price_cents=row.purchase_price_cents,
        billable=row.billable,
        dosing_role=DosingRole(row.dosing_role) if row.dosing_role else None,
        strength_percent=row.strength_percent,
        biocide=Biocide(
            row.biocide_type,
            row.biocide_authorisation,
            row.safety_data_sheet_url,
            tuple(row.pictograms),
        ),
        van_minimum=row.van_minimum,
        warehouse_minimum=row.warehouse_minimum,
        archived=row.archived,
    )


def _location(row: Row[Any]) -> Location:
    return Location(
        row.code,
        row.name,
        LocationKind(row.kind),
        row.technician_id,
        row.technician_user_id,
        id=row.id,
    )


def _movement(row: Row[Any]) -> Movement:
    draft = MovementDraft(
        kind=MovementKind(row.kind),
        product_id=row.product_id,
        quantity=row.quantity,
        unit=row.unit_of_stock,
        from_location_id=row.from_location_id,
        to_location_id=row.to_location_id,
        lot_number=row.lot_number,
        reason=row.reason,
        intervention_id=row.intervention_id,
        customer_id=row.customer_id,
        contract_id=row.contract_id,
    )
    return Movement(
        row.id,
        draft,
        row.unit_cost_cents,
        row.recorded_at,
        row.recorded_by,
        row.negative_stock,
        row.unit_of_stock,
    )


class StockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- catalogue -------------------------------------------------------------------------
    async def insert_product(self, draft: ProductDraft) -> uuid.UUID:
        return uuid.UUID(
            str(
                await self.session.scalar(
                    products.insert().values(**product_values(draft)).returning(products.c.id)
                )
            )
        )

    async def update_product(self, product_id: uuid.UUID, draft: ProductDraft) -> None:
        values = product_values(draft)
        values.pop("code")
        await self.session.execute(
            update(products)
            .where(products.c.id == product_id)
            .values(**values, updated_at=func.now())
        )

    async def code_taken(self, code: str, other_than: uuid.UUID | None = None) -> bool:
        query = select(products.c.id).where(products.c.code == code)
        if other_than is not None:
            query = query.where(products.c.id != other_than)
        return (await self.session.scalar(query)) is not None

    async def products(
        self, ids: Sequence[uuid.UUID], on: date, *, for_update: bool = False
    ) -> dict[uuid.UUID, Product]:
        query = select(products).where(products.c.id.in_(ids))
        if for_update:
            query = query.with_for_update()
        rows = (await self.session.execute(query)).all()
        current = await self.standard_prices([row.id for row in rows], on)
        return {
            row.id: Product(
                row.id, _product_draft(row), row.average_cost_cents, current.get(row.id)
            )
            for row in rows
        }

    async def product(
        self, product_id: uuid.UUID, on: date, *, with_prices: bool = False
    ) -> Product | None:
        found = (await self.products([product_id], on)).get(product_id)
        if found is None or not with_prices:
            return found
        rows = await self.session.execute(
            select(prices.c.contract_id, prices.c.valid_from, prices.c.unit_price_cents)
            .where(prices.c.product_id == product_id)
            .order_by(prices.c.valid_from.desc(), prices.c.contract_id)
        )
        history = tuple(Price(r.contract_id, r.valid_from, r.unit_price_cents) for r in rows)
        return Product(
            found.id, found.draft, found.average_cost_cents, found.current_price_cents, history
        )

    async def list_products(
        self,
        query_text: str,
        family: Family | None,
        include_archived: bool,
        after_code: str | None,
        limit: int,
        on: date,
    ) -> list[Product]:
        query = select(products.c.id).order_by(products.c.code).limit(limit)
        if query_text:
            pattern = f"%{query_text}%"
            query = query.where(
                or_(
                    products.c.code.ilike(pattern),
                    products.c.label.ilike(pattern),
                    products.c.ean == query_text,
                )
            )
        if family is not None:
            query = query.where(products.c.family == family.value)
        if not include_archived:
            query = query.where(products.c.archived.is_(False))
        if after_code is not None:
            query = query.where(products.c.code > after_code)
        ids = list((await self.session.scalars(query)).all())
        found = await self.products(ids, on)
        return [found[i] for i in ids]

    async def add_price(
        self, product_id: uuid.UUID, contract_id: str, valid_from: date, cents: int
    ) -> None:
        await self.session.execute(
            pg_insert(prices)
            .values(
                product_id=product_id,
                contract_id=contract_id,
                valid_from=valid_from,
                unit_price_cents=cents,
            )
            .on_conflict_do_update(
                index_elements=["product_id", "contract_id", "valid_from"],
                set_={"unit_price_cents": cents},
            )
        )

    async def standard_prices(self, ids: Sequence[uuid.UUID], on: date) -> dict[uuid.UUID, int]:
        return await self._prices_on(ids, "", on)

    async def _prices_on(
        self, ids: Sequence[uuid.UUID], contract_id: str, on: date
    ) -> dict[uuid.UUID, int]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(prices.c.product_id, prices.c.unit_price_cents)
            .ext(distinct_on(prices.c.product_id))
            .where(
                prices.c.product_id.in_(ids),
                prices.c.contract_id == contract_id,
                prices.c.valid_from <= on,
            )
            .order_by(prices.c.product_id, prices.c.valid_from.desc())
        )
        return {row.product_id: row.unit_price_cents for row in rows}

    async def contract_prices(
        self, ids: Sequence[uuid.UUID], contract_id: str, on: date
    ) -> dict[uuid.UUID, int]:
        return await self._prices_on(ids, contract_id, on) if contract_id else {}

    # -- locations -------------------------------------------------------------------------
    async def insert_location(self, values: dict[str, Any]) -> uuid.UUID:
        return uuid.UUID(
            str(
                await self.session.scalar(
                    locations.insert().values(**values).returning(locations.c.id)
                )
            )
        )

    async def location_conflict(self, code: str, technician_id: str | None) -> str | None:
        if await self.session.scalar(select(locations.c.id).where(locations.c.code == code)):
            return "code"
        if technician_id and await self.session.scalar(
            select(locations.c.id).where(locations.c.technician_id == technician_id)
        ):
            return "technician_id"
        return None

    async def locations(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Location]:
        rows = await self.session.execute(select(locations).where(locations.c.id.in_(ids)))
        return {row.id: _location(row) for row in rows}

    async def list_locations(self, kind: LocationKind | None) -> list[Location]:
        query = select(locations).order_by(locations.c.kind.desc(), locations.c.code)
        if kind is not None:
            query = query.where(locations.c.kind == kind.value)
        return [_location(row) for row in await self.session.execute(query)]

    async def van_of(self, technician_id: str) -> Location | None:
        row = (
            await self.session.execute(
                select(locations).where(locations.c.technician_id == technician_id)
            )
        ).first()
        return _location(row) if row else None

    # -- ledger and balances ---------------------------------------------------------------
    async def lock_balances(self, product_id: uuid.UUID, location_ids: Sequence[uuid.UUID]) -> None:
        """Locks the rows a transfer touches in one order, so opposite transfers cannot
        deadlock."""
        await self.session.execute(
            select(literal(1))
            .select_from(balances)
            .where(balances.c.product_id == product_id, balances.c.location_id.in_(location_ids))
            .order_by(balances.c.location_id)
            .with_for_update()
        )

    async def locked_balance(self, product_id: uuid.UUID, location_id: uuid.UUID) -> Decimal:
        """The balance, its row locked until the end of the transaction (0 when none)."""
        value = await self.session.scalar(
            select(balances.c.quantity)
            .where(balances.c.product_id == product_id, balances.c.location_id == location_id)
            .with_for_update()
        )
        return Decimal(value or 0)

    async def debit(
        self, product_id: uuid.UUID, location_id: uuid.UUID, quantity: Decimal, allow_negative: bool
    ) -> Decimal | None:
        """Takes `quantity` out of a balance in one statement whose condition is checked on the
        locked row: two debits of the last unit cannot both pass. None when refused."""
        left = await self.session.scalar(
            update(balances)
            .where(
                balances.c.product_id == product_id,
                balances.c.location_id == location_id,
                balances.c.quantity >= quantity,
            )
            .values(quantity=balances.c.quantity - quantity)
            .returning(balances.c.quantity)
        )
        if left is not None or not allow_negative:
            return None if left is None else Decimal(left)
        return await self._add(product_id, location_id, -quantity)

    async def credit(
        self, product_id: uuid.UUID, location_id: uuid.UUID, quantity: Decimal
    ) -> Decimal:
        return await self._add(product_id, location_id, quantity)

    async def _add(self, product_id: uuid.UUID, location_id: uuid.UUID, delta: Decimal) -> Decimal:
        statement = pg_insert(balances).values(
            product_id=product_id, location_id=location_id, quantity=delta
        )
        result = await self.session.scalar(
            statement.on_conflict_do_update(
                index_elements=["product_id", "location_id"],
                set_={"quantity": balances.c.quantity + statement.excluded.quantity},
            ).returning(balances.c.quantity)
        )
        assert result is not None
        return Decimal(result)

    async def on_hand(self, product_id: uuid.UUID) -> Decimal:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(balances.c.quantity), 0)).where(
                balances.c.product_id == product_id
            )
        )
        return Decimal(total or 0)

    async def set_average_cost(self, product_id: uuid.UUID, cents: Decimal) -> None:
        await self.session.execute(
            update(products).where(products.c.id == product_id).values(average_cost_cents=cents)
        )

    async def insert_movement(
        self,
        draft: MovementDraft,
        unit_cost_cents: Decimal,
        recorded_at: datetime,
        recorded_by: str,
        negative_stock: bool,
    ) -> uuid.UUID:
        return uuid.UUID(
            str(
                await self.session.scalar(
                    movements.insert()
                    .values(
                        kind=draft.kind.value,
                        product_id=draft.product_id,
                        from_location_id=draft.from_location_id,
                        to_location_id=draft.to_location_id,
                        quantity=draft.quantity,
                        unit_cost_cents=unit_cost_cents,
                        lot_number=draft.lot_number,
                        reason=draft.reason,
                        intervention_id=draft.intervention_id,
                        customer_id=draft.customer_id,
                        contract_id=draft.contract_id,
                        negative_stock=negative_stock,
                        recorded_by=recorded_by,
                        recorded_at=recorded_at,
                    )
                    .returning(movements.c.id)
                )
            )
        )

    def _movement_query(self) -> Any:
        return select(movements, products.c.unit_of_stock).join(
            products, products.c.id == movements.c.product_id
        )

    async def movement(self, movement_id: uuid.UUID) -> Movement:
        row = (
            await self.session.execute(self._movement_query().where(movements.c.id == movement_id))
        ).one()
        return _movement(row)

    async def list_movements(
        self,
        product_id: uuid.UUID | None,
        location_id: uuid.UUID | None,
        intervention_id: str,
        before_sequence: int | None,
        limit: int,
    ) -> list[tuple[int, Movement]]:
        query = self._movement_query().order_by(movements.c.sequence.desc()).limit(limit)
        if product_id is not None:
            query = query.where(movements.c.product_id == product_id)
        if location_id is not None:
            query = query.where(
                or_(
                    movements.c.from_location_id == location_id,
                    movements.c.to_location_id == location_id,
                )
            )
        if intervention_id:
            query = query.where(movements.c.intervention_id == intervention_id)
        if before_sequence is not None:
            query = query.where(movements.c.sequence < before_sequence)
        return [(row.sequence, _movement(row)) for row in await self.session.execute(query)]

    async def stock_levels(
        self, location_id: uuid.UUID | None, product_id: uuid.UUID | None
    ) -> list[StockLevel]:
        query = (
            select(
                balances.c.product_id,
                products.c.code.label("product_code"),
                products.c.label.label("product_label"),
                balances.c.location_id,
                locations.c.code.label("location_code"),
                balances.c.quantity,
                products.c.unit_of_stock,
                or_(
                    and_(
                        locations.c.kind == LocationKind.VAN.value,
                        balances.c.quantity < products.c.van_minimum,
                    ),
                    and_(
                        locations.c.kind == LocationKind.WAREHOUSE.value,
                        balances.c.quantity < products.c.warehouse_minimum,
                    ),
                ).label("below_minimum"),
            )
            .join(products, products.c.id == balances.c.product_id)
            .join(locations, locations.c.id == balances.c.location_id)
            .order_by(locations.c.code, products.c.code)
        )
        if location_id is not None:
            query = query.where(balances.c.location_id == location_id)
        if product_id is not None:
            query = query.where(balances.c.product_id == product_id)
        return [
            StockLevel(
                r.product_id,
                r.product_code,
                r.product_label,
                r.location_id,
                r.location_code,
                r.quantity,
                r.unit_of_stock,
                bool(r.below_minimum),
            )
            for r in await self.session.execute(query)
        ]

    async def valuation(self, location_id: uuid.UUID | None) -> list[Any]:
        """Per item: quantity on hand (below zero counts as none) and its average cost."""
        held = func.sum(func.greatest(balances.c.quantity, 0))
        query = (
            select(
                products.c.id,
                products.c.code,
                products.c.label,
                held.label("quantity"),
                products.c.average_cost_cents,
            )
            .join(products, products.c.id == balances.c.product_id)
            .group_by(products.c.id)
            .having(held > 0)
            .order_by(products.c.code)
        )
        if location_id is not None:
            query = query.where(balances.c.location_id == location_id)
        return list((await self.session.execute(query)).all())

    async def van_shortfalls(self, van_id: uuid.UUID) -> list[Any]:
        """Items whose minimum the van is below, with what the warehouses hold."""
        in_van = (
            select(balances.c.product_id, balances.c.quantity)
            .where(balances.c.location_id == van_id)
            .subquery()
        )
        in_warehouses = (
            select(balances.c.product_id, func.sum(balances.c.quantity).label("quantity"))
            .join(locations, locations.c.id == balances.c.location_id)
            .where(locations.c.kind == LocationKind.WAREHOUSE.value)
            .group_by(balances.c.product_id)
            .subquery()
        )
        on_hand = func.coalesce(in_van.c.quantity, 0)
        query = (
            select(
                products.c.id,
                products.c.code,
                products.c.label,
                products.c.unit_of_stock,
                products.c.van_minimum,
                on_hand.label("on_hand"),
                func.coalesce(in_warehouses.c.quantity, 0).label("available"),
            )
            .outerjoin(in_van, in_van.c.product_id == products.c.id)
            .outerjoin(in_warehouses, in_warehouses.c.product_id == products.c.id)
            .where(products.c.archived.is_(False), products.c.van_minimum > on_hand)
            .order_by(products.c.code)
        )
        return list((await self.session.execute(query)).all())

    async def claim_visit(self, intervention_id: str, event_id: str, at: datetime) -> bool:
        """Marks a visit's consumption as recorded; False when it already was."""
        claimed = await self.session.scalar(
            pg_insert(visit_consumptions)
            .values(intervention_id=intervention_id, event_id=event_id, recorded_at=at)
            .on_conflict_do_nothing()
            .returning(visit_consumptions.c.intervention_id)
        )
        return claimed is not None

    # -- certificates ----------------------------------------------------------------------
    async def set_certificate(self, certificate: Certificate) -> None:
        statement = pg_insert(certificates).values(
            technician_id=certificate.technician_id,
            number=certificate.number,
            expires_on=certificate.expires_on,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["technician_id"],
                set_={
                    "number": statement.excluded.number,
                    "expires_on": statement.excluded.expires_on,
                    "updated_at": func.now(),
                },
            )
        )

    async def certificate(self, technician_id: str) -> Certificate | None:
        row = (
            await self.session.execute(
                select(certificates).where(certificates.c.technician_id == technician_id)
            )
        ).first()
        return Certificate(row.technician_id, row.number, row.expires_on) if row else None

    async def certificates_expiring_by(self, day: date) -> list[Certificate]:
        rows = await self.session.execute(
            select(certificates)
            .where(certificates.c.expires_on <= day)
            .order_by(certificates.c.expires_on, certificates.c.technician_id)
        )
        return [Certificate(r.technician_id, r.number, r.expires_on) for r in rows]

    async def ledger_disagreements(self) -> list[Row[Any]]:
        """Balances that differ from the sum of the ledger (empty when they agree)."""
        return list(
            (
                await self.session.execute(
                    text(
                        """
                        WITH ledger AS (
                            SELECT product_id, location_id, sum(delta) AS quantity FROM (
                                SELECT product_id, to_location_id AS location_id, quantity AS delta
                                  FROM stock.movements WHERE to_location_id IS NOT NULL
                                UNION ALL
                                SELECT product_id, from_location_id, -quantity
                                  FROM stock.movements WHERE from_location_id IS NOT NULL
                            ) moves GROUP BY product_id, location_id
                        )
                        SELECT coalesce(l.product_id, b.product_id) AS product_id,
                               coalesce(l.location_id, b.location_id) AS location_id,
                               l.quantity AS ledger, b.quantity AS balance
                          FROM ledger l FULL JOIN stock.balances b
                            ON b.product_id = l.product_id AND b.location_id = l.location_id
                         WHERE coalesce(l.quantity, 0) <> coalesce(b.quantity, 0)
                        """
                    )
                )
            ).all()
        )
