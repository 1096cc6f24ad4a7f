"""Tables of the `workflow` schema."""

from __future__ import annotations

from aquaerp_runtime.db import schema_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = schema_metadata("workflow")

# The definition as a whole: its name and which version is current. The trigger columns copy
# the current version's so that Publish and the scheduler find candidates with an index.
definitions = Table(
    "definitions",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("current_version", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("trigger_event", String(200)),
    Column("trigger_cron", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Deleted definitions are kept (runs refer to their versions) but start nothing.
    Column("deleted_at", DateTime(timezone=True)),
    Index(
        "ix_definitions_trigger_event", "trigger_event", postgresql_where=text("deleted_at IS NULL")
    ),
)

# Every version ever stored; a run executes the version it started with.
definition_versions = Table(
    "definition_versions",
    metadata,
    Column("name", String(200), ForeignKey("workflow.definitions.name"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("spec", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("name", "version"),
)

# Events received, once each: the primary key makes a redelivery a no-op.
events = Table(
    "events",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("type", String(200), nullable=False),
    Column("source", String(100), nullable=False),
    Column("aggregate_type", String(100), nullable=False),
    Column("aggregate_id", String(100), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

runs = Table(
    "runs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("definition_name", String(200), nullable=False),
    Column("definition_version", Integer, nullable=False),
    # pending | running | succeeded | failed | skipped
    Column("state", String(16), nullable=False),
    Column("event_id", UUID(as_uuid=True), ForeignKey("workflow.events.id")),
    Column("event_type", String(200), nullable=False, server_default=""),
    # Order of the event within its source: runs about one business object go in this order.
    Column("source", String(100), nullable=False, server_default=""),
    Column("event_sequence", BigInteger, nullable=False, server_default="0"),
    Column("aggregate_type", String(100), nullable=False, server_default=""),
    Column("aggregate_id", String(100), nullable=False, server_default=""),
    Column("scheduled_at", DateTime(timezone=True)),
    # What templates see: {"event": {...}} or {"run": {...}} for a cron run.
    Column("context", JSONB, nullable=False),
    # Responses of the steps done so far, by step name.
    Column("results", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("current_step", Integer, nullable=False, server_default="0"),
    # Attempts of the current step since it started (or since an operator's retry).
    Column("step_attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=False, server_default=""),
    # The condition could not be evaluated: a retry evaluates it again before any step.
    Column("condition_failed", Boolean, nullable=False, server_default=text("false")),
    # Pending: not before this time. Running: the lease of the worker ends at this time.
    Column("due_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lease_owner", String(100), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    ForeignKeyConstraint(
        ["definition_name", "definition_version"],
        ["workflow.definition_versions.name", "workflow.definition_versions.version"],
    ),
    # One run per definition and event, however often the event is delivered.
    Index(
        "ux_runs_definition_event",
        "definition_name",
        "event_id",
        unique=True,
        postgresql_where=text("event_id IS NOT NULL"),
    ),
    Index("ix_runs_due", "due_at", postgresql_where=text("state IN ('pending', 'running')")),
    Index(
        "ix_runs_open_by_aggregate",
        "source",
        "aggregate_type",
        "aggregate_id",
        "event_sequence",
        postgresql_where=text("state IN ('pending', 'running')"),
    ),
    Index("ix_runs_definition", "definition_name", "created_at"),
    Index("ix_runs_aggregate", "aggregate_type", "aggregate_id", "created_at"),
)

step_attempts = Table(
    "step_attempts",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("run_id", UUID(as_uuid=True), ForeignKey("workflow.runs.id"), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("step_name", String(63), nullable=False),
    Column("attempt", Integer, nullable=False),
    # running | succeeded | failed
    Column("state", String(16), nullable=False),
    Column("error_code", String(40), nullable=False, server_default=""),
    Column("error", Text, nullable=False, server_default=""),
    Column("response", JSONB),
    Column("idempotency_key", String(100), nullable=False),
    Column("worker", String(100), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    # No two workers can record the same attempt of the same step.
    UniqueConstraint("run_id", "step_index", "attempt"),
)

# One row per cron definition and scheduled time: the replica that inserts it starts the run.
cron_fires = Table(
    "cron_fires",
    metadata,
    Column("definition_name", String(200), ForeignKey("workflow.definitions.name"), nullable=False),
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    Column("run_id", UUID(as_uuid=True), ForeignKey("workflow.runs.id"), nullable=False),
    Column("fired_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("definition_name", "scheduled_at"),
)
