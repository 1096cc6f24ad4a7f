"""Tables of the `stock` schema."""

from __future__ import annotations

from aquaerp_runtime.db import schema_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

metadata = schema_metadata("stock")

# Quantities in the unit of stock: a kilogram taken from a 3 kg bucket is a third of a bucket.
QUANTITY = Numeric(18, 6)

products = Table(
    "products",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("code", String(32), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("family", String(16), nullable=False),
    Column("unit_of_sale", String(20), nullable=False),
    Column("unit_of_stock", String(20), nullable=False),
    Column("sale_units_per_stock_unit", Numeric(12, 3), nullable=False),
    Column("vat_rate", String(4), nullable=False),
    Column("ean", String(13), nullable=False, server_default=""),
    Column("supplier", String(200), nullable=False, server_default=""),
    Column("purchase_price_cents", BigInteger, nullable=False, server_default="0"),
    Column("billable", Boolean, nullable=False, server_default=text("true")),
    Column("dosing_role", String(24), nullable=False, server_default=""),
    Column("strength_percent", Numeric(5, 2)),
    Column("biocide_type", String(4), nullable=False, server_default=""),
    Column("biocide_authorisation", String(64), nullable=False, server_default=""),
    Column("safety_data_sheet_url", String(500), nullable=False, server_default=""),
    Column("pictograms", ARRAY(String(9)), nullable=False, server_default="{}"),
    Column("van_minimum", QUANTITY, nullable=False, server_default="0"),
    Column("warehouse_minimum", QUANTITY, nullable=False, server_default="0"),
    # Weighted average cost of one unit of stock, kept up to date by receipts.
    Column("average_cost_cents", Numeric(18, 4), nullable=False, server_default="0"),
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("sale_units_per_stock_unit > 0", name="conversion_positive"),
)

# Dated prices per unit of sale: the standard list (contract_id "") and contract prices.
prices = Table(
    "prices",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
    Column("contract_id", String(36), nullable=False, server_default=""),
    Column("valid_from", Date, nullable=False),
    Column("unit_price_cents", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("product_id", "contract_id", "valid_from"),
)

locations = Table(
    "locations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    # One van per technician.
    Column("technician_id", String(36), unique=True),
    Column("technician_user_id", String(36)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The append-only ledger (a trigger refuses UPDATE and DELETE). Quantity in the unit of stock,
# always positive: the goods leave `from_location_id` and enter `to_location_id`.
movements = Table(
    "movements",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("sequence", BigInteger, Identity(), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("from_location_id", ForeignKey("locations.id")),
    Column("to_location_id", ForeignKey("locations.id")),
    Column("quantity", QUANTITY, nullable=False),
    Column("unit_cost_cents", Numeric(18, 4), nullable=False),
    Column("lot_number", String(64), nullable=False, server_default=""),
    Column("reason", String(500), nullable=False, server_default=""),
    Column("intervention_id", String(36)),
    Column("customer_id", String(36)),
    Column("contract_id", String(36)),
    Column("negative_stock", Boolean, nullable=False, server_default=text("false")),
    Column("recorded_by", String(64), nullable=False, server_default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "from_location_id IS NOT NULL OR to_location_id IS NOT NULL", name="has_a_location"
    ),
    Index("ix_movements_product_sequence", "product_id", "sequence"),
    Index("ix_movements_from_sequence", "from_location_id", "sequence"),
    Index("ix_movements_to_sequence", "to_location_id", "sequence"),
    Index("ix_movements_intervention_id", "intervention_id"),
)

# The maintained stock on hand, updated in the transaction that writes the movement.
balances = Table(
    "balances",
    metadata,
    Column("product_id", ForeignKey("products.id"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
    Column("quantity", QUANTITY, nullable=False),
    Index("ix_balances_location_id", "location_id"),
)

# Visits whose consumption was debited: the primary key makes the debit happen once.
visit_consumptions = Table(
    "visit_consumptions",
    metadata,
    Column("intervention_id", String(36), primary_key=True),
    Column("event_id", String(64), nullable=False, server_default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Certibiocide certificates of technicians (intervention's technician ids).
certificates = Table(
    "certificates",
    metadata,
    Column("technician_id", String(36), primary_key=True),
    Column("number", String(64), nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
