"""Tables of the `contrat` schema."""

from __future__ import annotations

from aquaerp_runtime.db import schema_metadata
from aquaerp_runtime.outbox import outbox_table
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = schema_metadata("contrat")

# Named counters: "customer" for customer codes, "contract-<year>" for contract numbers. A
# number is taken by updating the row inside the activating transaction, so it is locked until
# commit and a rollback gives the number back: the series has no gaps.
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("code", String(32), nullable=False, unique=True),
    Column("type", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("legal_form", String(60), nullable=False, server_default=""),
    Column("siren", String(9), nullable=False, server_default=""),
    Column("siret", String(14), nullable=False, server_default=""),
    Column("vat_number", String(20), nullable=False, server_default=""),
    Column("billing_address_lines", ARRAY(String(200)), nullable=False),
    Column("billing_postal_code", String(16), nullable=False, server_default=""),
    Column("billing_city", String(100), nullable=False, server_default=""),
    Column("billing_country", String(2), nullable=False, server_default="FR"),
    Column("billing_contact_name", String(200), nullable=False, server_default=""),
    Column("billing_email", String(320), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("archived_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Marketing e-mails only; service e-mails (invoices, visits, reminders) never depend on it.
    Column("marketing_consent", Boolean, nullable=False, server_default=text("false")),
    Column("marketing_consent_at", DateTime(timezone=True)),
    Column("marketing_consent_source", String(100), nullable=False, server_default=""),
    # Opted out of the service report e-mailed after each visit.
    Column("service_report_opt_out", Boolean, nullable=False, server_default=text("false")),
    # Set by the GDPR erasure: the personal data of the row and its dependants is gone.
    Column("erased_at", DateTime(timezone=True)),
    # The customer's reference in the tool it was imported from (bulk import; migration 0007).
    Column("external_ref", String(100)),
    CheckConstraint("type IN ('private', 'business')", name="customer_type"),
    Index("ix_customers_name", "name", "id"),
    # The list's other sorts, each ending on the id (migration 0006).
    Index("ix_customers_code_sort", "code", "id"),
    Index("ix_customers_city_sort", "billing_city", "id"),
    Index("ix_customers_email_sort", "billing_email", "id"),
    Index("ix_customers_created_sort", "created_at", "id"),
    Index(
        "uq_customers_external_ref",
        "external_ref",
        unique=True,
        postgresql_where=text("external_ref IS NOT NULL"),
    ),
)

sites = Table(
    "sites",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column(
        "customer_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.customers.id"),
        nullable=False,
        index=True,
    ),
    Column("name", String(200), nullable=False),
    Column("address_lines", ARRAY(String(200)), nullable=False),
    Column("postal_code", String(16), nullable=False),
    Column("city", String(100), nullable=False),
    Column("country", String(2), nullable=False, server_default="FR"),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("access_notes", Text, nullable=False, server_default=""),
    Column("gate_code", String(100), nullable=False, server_default=""),
    Column("archived_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

installations = Table(
    "installations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column(
        "site_id", UUID(as_uuid=True), ForeignKey("contrat.sites.id"), nullable=False, index=True
    ),
    Column("type", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("volume_m3", Float, nullable=False),
    # [{"kind", "brand", "model", "serial_number"}]
    Column("equipment", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("number", String(32), unique=True),
    Column("status", String(16), nullable=False),
    Column(
        "customer_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.customers.id"),
        nullable=False,
        index=True,
    ),
    Column("billing_frequency", String(16), nullable=False),
    Column("billing_timing", String(16), nullable=False),
    Column("payment_days", Integer, nullable=False),
    Column("payment_end_of_month", Boolean, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("tacit_renewal", Boolean, nullable=False),
    Column("renewal_term_months", Integer, nullable=False),
    Column("notice_period_days", Integer, nullable=False),
    Column("indexation_method", String(16), nullable=False),
    Column("indexation_percentage", Numeric(8, 4)),
    Column("index_name", String(60), nullable=False, server_default=""),
    Column("base_index_value", Numeric(14, 4)),
    Column("reference_index_value", Numeric(14, 4)),
    Column("sla_hours", Integer, nullable=False, server_default="0"),
    Column("notes", Text, nullable=False, server_default=""),
    Column("activation_date", Date),
    Column("termination_date", Date),
    Column("termination_reason", Text, nullable=False, server_default=""),
    # Term end the L215-1 renewal notice was sent for, and when.
    Column("renewal_notice_sent_for", Date),
    Column("renewal_notice_sent_at", DateTime(timezone=True)),
    # Term end for which `contrat.contract.renewal_notice_due` was emitted (once per term).
    Column("renewal_notice_due_for", Date),
    # The contract's reference in the tool it was imported from (bulk import; migration 0007).
    Column("external_ref", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "status IN ('draft', 'active', 'suspended', 'terminated')", name="contract_status"
    ),
    CheckConstraint("(status = 'draft') = (number IS NULL)", name="number_when_numbered"),
    Index("ix_contracts_status", "status", "id"),
    Index("ix_contracts_created", "created_at", "id"),
    Index("ix_contracts_number_sort", text("(coalesce(number, ''))"), "id"),
    Index("ix_contracts_start_sort", "start_date", "id"),
    Index(
        "uq_contracts_external_ref",
        "external_ref",
        unique=True,
        postgresql_where=text("external_ref IS NOT NULL"),
    ),
)

contract_sites = Table(
    "contract_sites",
    metadata,
    Column(
        "contract_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contracts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "site_id", UUID(as_uuid=True), ForeignKey("contrat.sites.id"), primary_key=True, index=True
    ),
)

contract_lines = Table(
    "contract_lines",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column(
        "contract_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contracts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("product_code", String(40), nullable=False),
    Column("label", String(300), nullable=False),
    Column("quantity_milli", BigInteger, nullable=False),
    Column("unit_code", String(3), nullable=False),
    Column("vat_rate_bp", Integer, nullable=False),
    Column("site_id", UUID(as_uuid=True), ForeignKey("contrat.sites.id")),
    CheckConstraint("quantity_milli > 0", name="quantity_positive"),
)

line_prices = Table(
    "line_prices",
    metadata,
    Column(
        "line_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contract_lines.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("effective_date", Date, primary_key=True),
    Column("unit_price_cents", BigInteger, nullable=False),
    Column("reason", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
)

suspensions = Table(
    "suspensions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "contract_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contracts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("start_date", Date, nullable=False),
    # Last suspended day; NULL while suspended.
    Column("end_date", Date),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

indexations = Table(
    "indexations",
    metadata,
    Column(
        "contract_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contracts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("effective_date", Date, primary_key=True),
    Column("method", String(16), nullable=False),
    Column("factor", Numeric(14, 8), nullable=False),
    Column("previous_index_value", Numeric(14, 4)),
    Column("index_value", Numeric(14, 4)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

renewals = Table(
    "renewals",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "contract_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contracts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("previous_end_date", Date, nullable=False),
    Column("new_end_date", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

maintenance_plans = Table(
    "maintenance_plans",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "contract_id",
        UUID(as_uuid=True),
        ForeignKey("contrat.contracts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("site_id", UUID(as_uuid=True), ForeignKey("contrat.sites.id"), nullable=False),
    Column("label", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("rrule", String(300), nullable=False),
    # [{"name", "start": "MM-DD", "end": "MM-DD", "rrule"}]
    Column("seasons", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("window_start", String(5), nullable=False),
    Column("window_end", String(5), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("required_skill", String(60), nullable=False, server_default=""),
    Column("next_from_completion", Boolean, nullable=False, server_default=text("false")),
)

outbox = outbox_table(metadata)

# Company settings, one JSON document per key (e.g. "plans": season regions, visit templates).
company_settings = Table(
    "company_settings",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
