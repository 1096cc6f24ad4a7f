"""SQL of the stock reports and proposals: the usual consumption of contracts, the stock of vans
and warehouses against their minimums, consumption and margins over a period. Days are Paris
days of `recorded_at`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

PARIS_DAY = "(m.recorded_at AT TIME ZONE 'Europe/Paris')::date"


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def usage_per_visit(self, contract_ids: Sequence[str], since: date) -> list[Row[Any]]:
        """Per contract and item: the quantity (unit of stock) its visits used on average since
        `since`, and how many visits that average is over."""
        if not contract_ids:
            return []
        query = text(
            f"""
            WITH used AS (
                SELECT m.contract_id, m.product_id, m.intervention_id, sum(m.quantity) AS quantity
                FROM stock.movements m
                WHERE m.kind = 'consumption' AND m.contract_id = ANY(:contracts)
                  AND m.intervention_id IS NOT NULL AND {PARIS_DAY} >= :since
                GROUP BY m.contract_id, m.product_id, m.intervention_id
            ), visits AS (
                SELECT contract_id, count(DISTINCT intervention_id) AS visits
                FROM used GROUP BY contract_id
            )
            SELECT u.contract_id, u.product_id, v.visits,
                   sum(u.quantity) / v.visits AS per_visit
            FROM used u JOIN visits v USING (contract_id)
            GROUP BY u.contract_id, u.product_id, v.visits
            """
        )
        result = await self.session.execute(
            query, {"contracts": list(contract_ids), "since": since}
        )
        return list(result.all())

    async def loading_items(
        self, van_ids: Sequence[uuid.UUID], product_ids: Sequence[uuid.UUID]
    ) -> list[Row[Any]]:
        """Per van and item with a van minimum or an expected use: what the van holds and what
        the warehouses hold."""
        if not van_ids:
            return []
        query = text(
            """
            SELECT v.id AS van_id, p.id AS product_id, p.code, p.label, p.unit_of_stock,
                   p.van_minimum,
                   coalesce(b.quantity, 0) AS on_hand,
                   coalesce(w.quantity, 0) AS available
            FROM stock.locations v
            CROSS JOIN stock.products p
            LEFT JOIN stock.balances b ON b.location_id = v.id AND b.product_id = p.id
            LEFT JOIN (
                SELECT bw.product_id, sum(bw.quantity) AS quantity
                FROM stock.balances bw JOIN stock.locations lw ON lw.id = bw.location_id
                WHERE lw.kind = 'warehouse' GROUP BY bw.product_id
            ) w ON w.product_id = p.id
            WHERE v.id = ANY(:vans) AND NOT p.archived
              AND (p.van_minimum > 0 OR p.id = ANY(:products))
            ORDER BY p.code
            """
        )
        result = await self.session.execute(
            query, {"vans": list(van_ids), "products": list(product_ids)}
        )
        return list(result.all())

    async def warehouse_shortfalls(self, location_id: uuid.UUID | None) -> list[Row[Any]]:
        """Items whose warehouse stock (of one warehouse, or of all together) is below their
        warehouse minimum, with supplier and purchase price."""
        query = text(
            """
            SELECT p.id, p.code, p.label, p.unit_of_stock, p.supplier, p.purchase_price_cents,
                   p.warehouse_minimum, coalesce(w.quantity, 0) AS on_hand
            FROM stock.products p
            LEFT JOIN (
                SELECT b.product_id, sum(b.quantity) AS quantity
                FROM stock.balances b JOIN stock.locations l ON l.id = b.location_id
                WHERE l.kind = 'warehouse'
                  AND (CAST(:location AS uuid) IS NULL OR l.id = CAST(:location AS uuid))
                GROUP BY b.product_id
            ) w ON w.product_id = p.id
            WHERE NOT p.archived AND p.warehouse_minimum > coalesce(w.quantity, 0)
            ORDER BY p.supplier, p.code
            """
        )
        result = await self.session.execute(query, {"location": location_id})
        return list(result.all())

    async def consumption(
        self,
        first: date,
        last: date,
        group: str,
        technician_id: str,
        customer_id: str,
    ) -> list[Row[Any]]:
        """Consumption movements of the period per item and `group` ("technician", "customer",
        "month" or "" for the item only)."""
        group_sql = {
            "technician": "coalesce(l.technician_id, '')",
            "customer": "coalesce(m.customer_id, '')",
            "month": f"to_char({PARIS_DAY}, 'YYYY-MM')",
            "": "''",
        }[group]
        query = text(
            f"""
            SELECT m.product_id, p.code, p.label, p.unit_of_stock, p.unit_of_sale,
                   p.sale_units_per_stock_unit, {group_sql} AS grp,
                   sum(m.quantity) AS quantity,
                   sum(m.quantity * m.unit_cost_cents) AS cost_cents,
                   count(DISTINCT m.intervention_id) AS visits
            FROM stock.movements m
            JOIN stock.products p ON p.id = m.product_id
            LEFT JOIN stock.locations l ON l.id = m.from_location_id
            WHERE m.kind = 'consumption' AND {PARIS_DAY} BETWEEN :first AND :last
              AND (:technician = '' OR l.technician_id = :technician)
              AND (:customer = '' OR m.customer_id = :customer)
            GROUP BY m.product_id, p.code, p.label, p.unit_of_stock, p.unit_of_sale,
                     p.sale_units_per_stock_unit, grp
            ORDER BY grp, p.code
            """
        )
        result = await self.session.execute(
            query,
            {
                "first": first,
                "last": last,
                "technician": technician_id,
                "customer": customer_id,
            },
        )
        return list(result.all())

    async def margins(
        self, first: date, last: date, contract_id: str, customer_id: str
    ) -> list[Row[Any]]:
        """Per visit of the period: its billable items at the price of its day (the contract's
        price, else the standard list) and every item at its cost in the ledger, in cents."""
        query = text(
            f"""
            WITH {VISIT_MARGINS}
            SELECT intervention_id, customer_id, contract_id, day, billed_cents, cost_cents
            FROM visits ORDER BY day DESC, intervention_id
            """
        )
        result = await self.session.execute(
            query,
            {"first": first, "last": last, "contract": contract_id, "customer": customer_id},
        )
        return list(result.all())

    async def contract_margins(
        self, first: date, last: date, contract_id: str, customer_id: str
    ) -> list[Row[Any]]:
        """The visits of `margins` totalled per contract ("" for the visits without one), with
        the margin over cost in percent (one decimal; NULL when nothing was costed)."""
        query = text(
            f"""
            WITH {VISIT_MARGINS}
            SELECT contract_id, min(customer_id) AS customer_id,
                   count(*) AS visits, sum(billed_cents) AS billed_cents,
                   sum(cost_cents) AS cost_cents,
                   round(100 * (sum(billed_cents) - sum(cost_cents))
                         / nullif(sum(cost_cents), 0), 1) AS margin_rate
            FROM visits GROUP BY contract_id
            ORDER BY contract_id = '', contract_id
            """
        )
        result = await self.session.execute(
            query,
            {"first": first, "last": last, "contract": contract_id, "customer": customer_id},
        )
        return list(result.all())


# The consumption lines of the visits of a period (:first to :last, optionally one :contract or
# :customer) and, per visit, its billable items at the price of its day (the contract's price,
# else the standard list) and every item at its ledger cost, rounded to the cent per visit.
VISIT_MARGINS = f"""
    lines AS (
        SELECT m.intervention_id, coalesce(m.customer_id, '') AS customer_id,
               coalesce(m.contract_id, '') AS contract_id, {PARIS_DAY} AS day,
               m.quantity * m.unit_cost_cents AS cost_cents,
               CASE WHEN p.billable THEN
                   m.quantity * p.sale_units_per_stock_unit * coalesce(
                       (SELECT pr.unit_price_cents FROM stock.prices pr
                        WHERE pr.product_id = m.product_id
                          AND pr.contract_id = coalesce(m.contract_id, '')
                          AND pr.contract_id <> '' AND pr.valid_from <= {PARIS_DAY}
                        ORDER BY pr.valid_from DESC LIMIT 1),
                       (SELECT pr.unit_price_cents FROM stock.prices pr
                        WHERE pr.product_id = m.product_id AND pr.contract_id = ''
                          AND pr.valid_from <= {PARIS_DAY}
                        ORDER BY pr.valid_from DESC LIMIT 1),
                       0)
               ELSE 0 END AS billed_cents
        FROM stock.movements m JOIN stock.products p ON p.id = m.product_id
        WHERE m.kind = 'consumption' AND m.intervention_id IS NOT NULL
          AND {PARIS_DAY} BETWEEN :first AND :last
          AND (:contract = '' OR m.contract_id = :contract)
          AND (:customer = '' OR m.customer_id = :customer)
    ), visits AS (
        SELECT intervention_id, min(customer_id) AS customer_id,
               min(contract_id) AS contract_id, min(day) AS day,
               round(sum(billed_cents)) AS billed_cents, round(sum(cost_cents)) AS cost_cents
        FROM lines GROUP BY intervention_id
    )
"""
