"""Tables of the `facture` schema.

An invoice row is written once more after its creation as a draft: when it is issued. From then
on the database refuses any UPDATE or DELETE of it (trigger `protect_issued_documents`, see the
first migration); what changes afterwards (payments, credit notes, dunning levels) lives in
other tables.
"""

from __future__ import annotations

from enum import StrEnum

from aquaerp_runtime.db import schema_metadata
from aquaerp_runtime.outbox import outbox_table
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
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = schema_metadata("facture")

# Document kinds and states as stored.
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
DRAFT = "draft"
ISSUED = "issued"


class InvoiceStatus(StrEnum):
    """A document's status as read: draft or issued as stored; an issued invoice is then
    partially paid or paid by the payments and credit notes that settle it."""

    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class InvoiceSource(StrEnum):
    MANUAL = "manual"
    BILLING_RUN = "billing_run"
    INTERVENTION = "intervention"


class BillingRunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class BillingEntryOutcome(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    SKIPPED = "skipped"
    FAILED = "failed"
    PREVIEWED = "previewed"


class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    CARD = "card"
    SEPA_DIRECT_DEBIT = "sepa_direct_debit"


invoices = Table(
    "invoices",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("type", String(16), nullable=False),
    Column("status", String(16), nullable=False, server_default=DRAFT),
    Column("source", String(16), nullable=False),
    Column("customer_id", String(64), nullable=False),
    # Name and email for lists and events; the issued snapshot is in `document`.
    Column("customer_name", String(300), nullable=False, server_default=""),
    Column("customer_email", String(320), nullable=False, server_default=""),
    # What the office entered (lines, terms, references): the draft, kept after issue.
    Column("content", JSONB, nullable=False),
    Column("total_excluding_vat_cents", BigInteger, nullable=False, server_default="0"),
    Column("total_vat_cents", BigInteger, nullable=False, server_default="0"),
    Column("total_including_vat_cents", BigInteger, nullable=False, server_default="0"),
    Column("corrected_invoice_id", UUID(as_uuid=True), ForeignKey("facture.invoices.id")),
    Column("contract_id", String(64)),
    Column("intervention_id", String(64)),
    Column("billing_run_id", UUID(as_uuid=True)),
    Column("idempotency_key", String(200), unique=True),
    # Set at issue, in the issuing transaction.
    Column("number", String(32), unique=True),
    Column("issue_date", Date),
    Column("due_date", Date),
    # The legal content exactly as issued (engine data without the logo), hashed in the chain.
    Column("document", JSONB),
    Column("chain_position", BigInteger, unique=True),
    Column("previous_hash", String(64)),
    Column("hash", String(64)),
    Column("pdf", LargeBinary),
    Column("pdf_sha256", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String(100), nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("issued_at", DateTime(timezone=True)),
    Column("issued_by", String(100)),
    CheckConstraint(f"type IN ('{INVOICE}', '{CREDIT_NOTE}')", name="invoice_type"),
    CheckConstraint(f"status IN ('{DRAFT}', '{ISSUED}')", name="invoice_status"),
    CheckConstraint(
        f"status = '{DRAFT}' OR (number IS NOT NULL AND issue_date IS NOT NULL"
        " AND document IS NOT NULL AND chain_position IS NOT NULL AND hash IS NOT NULL"
        " AND pdf IS NOT NULL AND pdf_sha256 IS NOT NULL)",
        name="issued_is_complete",
    ),
    CheckConstraint(
        f"(type = '{CREDIT_NOTE}') = (corrected_invoice_id IS NOT NULL)",
        name="credit_note_references_invoice",
    ),
    Index("ix_invoices_customer", "customer_id", "issue_date"),
    Index("ix_invoices_created", "created_at"),
    Index("ix_invoices_corrected", "corrected_invoice_id"),
    Index("ix_invoices_billing_run", "billing_run_id"),
    # The list's sorts, each ending on the id (migration 0004; nullable ones on a coalesce).
    Index("ix_invoices_created_id", "created_at", "id"),
    Index("ix_invoices_status_created", "status", "created_at", "id"),
    Index("ix_invoices_number_sort", text("(coalesce(number, ''))"), "id"),
    Index("ix_invoices_customer_name_sort", "customer_name", "id"),
    Index("ix_invoices_issue_date_sort", text("(COALESCE(issue_date, '0001-01-01'::date))"), "id"),
    Index("ix_invoices_due_date_sort", text("(COALESCE(due_date, '0001-01-01'::date))"), "id"),
    Index("ix_invoices_total_sort", "total_including_vat_cents", "id"),
    # One invoice per intervention, ever.
    Index(
        "ux_invoices_intervention",
        "intervention_id",
        unique=True,
        postgresql_where=text(f"intervention_id IS NOT NULL AND type = '{INVOICE}'"),
    ),
)

# Gapless numbering: one row per series ("FA-2026"), incremented under its row lock in the
# issuing transaction, so a rolled-back issue gives its number back.
counters = Table(
    "counters",
    metadata,
    Column("series", String(16), primary_key=True),
    Column("value", Integer, nullable=False),
)

# The numbers billing batches expect to get, reserved when they start rendering so that batches
# rendered on different replicas do not guess the same numbers. Batches take the chain lock in
# the order of their reservation (id); a reservation is deleted by its batch's commit, and one
# older than the stale delay is ignored (its worker died).
number_reservations = Table(
    "number_reservations",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("series", String(16), nullable=False),
    Column("first_number", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    Column("reserved_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_number_reservations_series", "series", "id"),
)

# The head of the hash chain, one row. Every issuing transaction locks it first, which orders
# all issues (both series) into one chain.
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # Issue date of the last document: a new one may not be dated earlier (chronology).
    Column("issue_date", Date),
    CheckConstraint("id = 1", name="single_row"),
)

# Contract line periods already invoiced: the key that makes billing exactly-once.
billed_periods = Table(
    "billed_periods",
    metadata,
    Column("contract_line_id", String(64), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("contract_id", String(64), nullable=False),
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("facture.invoices.id"), nullable=False),
    PrimaryKeyConstraint("contract_line_id", "period_start"),
    Index("ix_billed_periods_contract", "contract_id", "period_start"),
)

billing_runs = Table(
    "billing_runs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("status", String(16), nullable=False),
    Column("up_to", Date, nullable=False),
    Column("from_date", Date),
    Column("contract_id", String(64)),
    Column("dry_run", Boolean, nullable=False),
    # True once every entry is planned (a crash while planning plans again on resume).
    Column("planned", Boolean, nullable=False, server_default=text("false")),
    Column("idempotency_key", String(200), unique=True),
    Column("error", Text, nullable=False, server_default=""),
    Column("requested_by", String(100), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    # Refreshed by the process working on it; a stale one is resumed by another replica.
    Column("heartbeat_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('running', 'completed', 'failed')", name="run_status"),
    Index("ix_billing_runs_status", "status", "heartbeat_at"),
)

# One entry per contract and billing period of a run, planned when the run starts.
billing_run_entries = Table(
    "billing_run_entries",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("run_id", UUID(as_uuid=True), ForeignKey("facture.billing_runs.id"), nullable=False),
    Column("contract_id", String(64), nullable=False),
    Column("contract_number", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("customer_name", String(300), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    # What the contrat service said about this contract and period (customer, terms, items).
    Column("billables", JSONB, nullable=False),
    Column("outcome", String(16), nullable=False, server_default="pending"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("invoice_id", UUID(as_uuid=True)),
    Column("invoice_number", String(32)),
    Column("total_excluding_vat_cents", BigInteger, nullable=False, server_default="0"),
    Column("total_vat_cents", BigInteger, nullable=False, server_default="0"),
    Column("total_including_vat_cents", BigInteger, nullable=False, server_default="0"),
    # The replica (host:pid) that settled the entry: every replica works a run's batches.
    Column("handled_by", String(100)),
    UniqueConstraint("run_id", "contract_id", "period_start"),
    CheckConstraint(
        "outcome IN ('pending', 'issued', 'skipped', 'failed', 'previewed')", name="entry_outcome"
    ),
    Index(
        "ix_billing_run_entries_pending",
        "run_id",
        "id",
        postgresql_where=text("outcome = 'pending'"),
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("customer_id", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False, server_default="EUR"),
    Column("method", String(24), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("reference", String(200), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("idempotency_key", String(200), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String(100), nullable=False, server_default=""),
    # A reversed payment stays, with when, by whom and why; its allocations are gone.
    Column("reversed_at", DateTime(timezone=True)),
    Column("reversed_by", String(100)),
    Column("reversal_reason", Text),
    CheckConstraint("amount_cents > 0", name="payment_positive"),
    CheckConstraint("amount_cents <= 100000000000", name="payment_bounded"),
    Index("ix_payments_customer", "customer_id", "received_on"),
    Index("ix_payments_created_id", "created_at", "id"),
    Index("ix_payments_received_sort", "received_on", "id"),
    Index("ix_payments_amount_sort", "amount_cents", "id"),
)

# A payment or an issued credit note applied to an issued invoice.
allocations = Table(
    "allocations",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("facture.invoices.id"), nullable=False),
    Column("payment_id", UUID(as_uuid=True), ForeignKey("facture.payments.id")),
    Column("credit_note_id", UUID(as_uuid=True), ForeignKey("facture.invoices.id")),
    Column("customer_id", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount_cents > 0", name="allocation_positive"),
    CheckConstraint(
        "(payment_id IS NULL) <> (credit_note_id IS NULL)", name="allocation_has_one_source"
    ),
    Index("ix_allocations_invoice", "invoice_id"),
    Index("ix_allocations_payment", "payment_id"),
    Index("ix_allocations_credit_note", "credit_note_id"),
    Index("ix_allocations_customer", "customer_id"),
)

dunning_runs = Table(
    "dunning_runs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("as_of", Date, nullable=False),
    Column("idempotency_key", String(200), unique=True),
    Column("paused_customer_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

dunning_letters = Table(
    "dunning_letters",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("run_id", UUID(as_uuid=True), ForeignKey("facture.dunning_runs.id"), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("customer_name", String(300), nullable=False),
    Column("customer_email", String(320), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("items", JSONB, nullable=False),
    Column("total_due_cents", BigInteger, nullable=False),
    Column("indemnity_cents", BigInteger, nullable=False),
    Column("interest_cents", BigInteger, nullable=False),
    Column("interest_rate", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_dunning_letters_customer", "customer_id", "created_at"),
    Index("ix_dunning_letters_run", "run_id"),
)

# Highest dunning level each invoice has reached (a level is sent once per invoice).
invoice_dunning_levels = Table(
    "invoice_dunning_levels",
    metadata,
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("facture.invoices.id"), primary_key=True),
    Column("level", SmallInteger, nullable=False),
    Column("letter_id", UUID(as_uuid=True), ForeignKey("facture.dunning_letters.id")),
)

dunning_pauses = Table(
    "dunning_pauses",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("until", Date),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String(100), nullable=False, server_default=""),
)

outbox = outbox_table(metadata)
