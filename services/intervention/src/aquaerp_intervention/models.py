"""Tables of the `intervention` schema."""

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
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = schema_metadata("intervention")

technicians = Table(
    "technicians",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    # The auth user who logs in as this technician.
    Column("user_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("skills", ARRAY(String(50)), nullable=False, server_default="{}"),
    # [{"weekday": 1, "start": 480, "end": 720}, ...] minutes of the day, Europe/Paris.
    Column("working_hours", JSONB, nullable=False),
    Column("home_latitude", Float, nullable=False),
    Column("home_longitude", Float, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # sha256 of the calendar feed token; the token itself is never stored. NULL: no feed.
    Column("calendar_token_hash", String(64), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

absences = Table(
    "absences",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column(
        "technician_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.technicians.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("ends_at > starts_at", name="absence_period"),
    Index("ix_absences_technician_period", "technician_id", "starts_at"),
)

interventions = Table(
    "interventions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("contract_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False, server_default=""),
    # Snapshot of the site, so schedules and routes never call contrat per visit.
    Column("site_id", String(64), nullable=False),
    Column("site_name", String(200), nullable=False, server_default=""),
    Column("site_address", JSONB, nullable=False),
    Column("site_latitude", Float),
    Column("site_longitude", Float),
    Column("access_notes", Text, nullable=False, server_default=""),
    Column("gate_code", String(100), nullable=False, server_default=""),
    # Preventive visits: the plan occurrence they come from (never changes once created).
    Column("plan_id", String(64)),
    Column("occurrence_date", Date),
    Column("planned_date", Date),
    # Minutes of the day, Europe/Paris.
    Column("window_start_minute", Integer, nullable=False),
    Column("window_end_minute", Integer, nullable=False),
    Column("estimated_minutes", Integer, nullable=False),
    Column("required_skill", String(50), nullable=False, server_default=""),
    Column("label", Text, nullable=False, server_default=""),
    Column("next_from_completion", Boolean, nullable=False, server_default=text("false")),
    # Corrective interventions.
    Column("priority", String(16)),
    Column("problem_description", Text, nullable=False, server_default=""),
    Column("reported_at", DateTime(timezone=True)),
    Column("sla_deadline", DateTime(timezone=True)),
    Column("billable", Boolean, nullable=False, server_default=text("false")),
    # Assignment.
    Column("technician_id", UUID(as_uuid=True), ForeignKey("intervention.technicians.id")),
    Column("scheduled_start", DateTime(timezone=True)),
    Column("scheduled_end", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancel_reason", Text, nullable=False, server_default=""),
    Column("version", BigInteger, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # One visit per site, plan and occurrence: regenerating a plan never duplicates.
    UniqueConstraint("site_id", "plan_id", "occurrence_date", name="uq_visit_occurrence"),
    CheckConstraint(
        "(technician_id IS NULL) = (scheduled_start IS NULL)"
        " AND (scheduled_start IS NULL) = (scheduled_end IS NULL)",
        name="assignment_complete",
    ),
    CheckConstraint("window_end_minute > window_start_minute", name="window_order"),
    Index("ix_interventions_planned_date", "planned_date"),
    Index("ix_interventions_technician_start", "technician_id", "scheduled_start"),
    Index("ix_interventions_contract_date", "contract_id", "planned_date"),
    Index("ix_interventions_customer", "customer_id"),
)

reports = Table(
    "reports",
    metadata,
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("ph", Float),
    Column("free_chlorine_mg_l", Float),
    Column("total_chlorine_mg_l", Float),
    Column("tac_mg_l", Float),
    Column("cyanuric_acid_mg_l", Float),
    Column("salt_g_l", Float),
    Column("temperature_c", Float),
    Column("actions", ARRAY(Text), nullable=False, server_default="{}"),
    # [{"description", "product_code", "quantity" (decimal text), "unit", "unit_price_cents",
    #   "currency", "billable"}]
    Column("parts", JSONB, nullable=False, server_default="[]"),
    Column("time_spent_minutes", Integer),
    Column("notes", Text, nullable=False, server_default=""),
    Column("customer_signer_name", String(200)),
    Column("customer_signed_at", DateTime(timezone=True)),
    Column("customer_signature_png", LargeBinary),
    Column("technician_signer_name", String(200)),
    Column("technician_signed_at", DateTime(timezone=True)),
    Column("technician_signature_png", LargeBinary),
    Column("customer_absent", Boolean, nullable=False, server_default=text("false")),
    Column("customer_absence_reason", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

report_documents = Table(
    "report_documents",
    metadata,
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("filename", String(200), nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)

# -- water chemistry -------------------------------------------------------------------------
# The water profile of a contrat installation (pool or spa): how its water is treated and what
# the doses are computed on. Kept here, next to the readings and doses it drives; contrat keeps
# the installation itself (type, nominal volume, equipment).
water_profiles = Table(
    "water_profiles",
    metadata,
    Column("installation_id", UUID(as_uuid=True), primary_key=True),
    Column("site_id", UUID(as_uuid=True), nullable=False),
    Column("spa", Boolean, nullable=False, server_default=text("false")),
    # The installation's nominal volume in contrat when the profile was saved (m³).
    Column("installation_volume_m3", Float, nullable=False),
    # WaterProfileInput's fields (shape, dimensions, finish, sanitiser, cover, flags).
    Column("profile", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Target ranges: scope "company" (scope_id ''), "site" or "installation" (their id).
water_targets = Table(
    "water_targets",
    metadata,
    Column("scope", String(20), primary_key=True),
    Column("scope_id", String(64), primary_key=True),
    Column("parameter", String(40), primary_key=True),
    Column("low", Float),
    Column("high", Float),
    CheckConstraint("scope IN ('company', 'site', 'installation')", name="water_targets_scope"),
)

photometers = Table(
    "photometers",
    metadata,
    Column("serial", String(64), primary_key=True),
    Column("model", String(200), nullable=False, server_default=""),
    Column("last_calibrated_on", Date, nullable=False),
)

water_readings = Table(
    "water_readings",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("installation_id", UUID(as_uuid=True), nullable=False),
    Column("parameter", String(40), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(20), nullable=False),
    Column("method", String(20), nullable=False),
    Column("photometer_serial", String(64), nullable=False, server_default=""),
    # Flags computed when recorded (targets and calibration of that day).
    Column("flags", ARRAY(String(40)), nullable=False, server_default="{}"),
    Column("target_low", Float),
    Column("target_high", Float),
    Column("target_source", String(20), nullable=False, server_default=""),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("intervention_id", "installation_id", "parameter"),
    Index("ix_water_readings_trend", "installation_id", "parameter", "taken_at"),
)

applied_doses = Table(
    "applied_doses",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("installation_id", UUID(as_uuid=True), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("quantity", String(20), nullable=False),
    Column("advised_quantity", String(20), nullable=False, server_default=""),
    Column("parameter", String(40), nullable=False, server_default=""),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

# -- checklists -------------------------------------------------------------------------------
checklist_templates = Table(
    "checklist_templates",
    metadata,
    Column("visit_type", String(30), primary_key=True),
    # [{"key": "...", "label": "...", "required": true}, ...] in order.
    Column("items", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

visit_checklists = Table(
    "visit_checklists",
    metadata,
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("visit_type", String(30), nullable=False),
    # [{"key": "...", "checked": true, "reason": ""}, ...]
    Column("states", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# -- stops that could not be done ------------------------------------------------------------
stops_not_done = Table(
    "stops_not_done",
    metadata,
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("reason", String(20), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("photo_ids", ARRAY(String(64)), nullable=False, server_default="{}"),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("reported_by", String(64), nullable=False, server_default=""),
    # "carried_over" (next working day of the technician) or "to_replan" (the office plans it).
    Column("follow_up", String(20), nullable=False),
    Column(
        "follow_up_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="SET NULL"),
    ),
    Column("customer_notified", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("follow_up IN ('carried_over', 'to_replan')", name="stop_follow_up"),
)

# The company's settings for stops not done: one row (id 1); absent means the defaults.
stop_settings = Table(
    "stop_settings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("carry_over_automatically", Boolean, nullable=False),
    Column("notify_customer", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="stop_settings_single_row"),
)

# -- visit photos ----------------------------------------------------------------------------
# What is known of each photo; the bytes are behind the photo store (`photo_store.py`). The id
# is the phone's, so a retried upload finds the photo it already sent.
visit_photos = Table(
    "visit_photos",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "intervention_id",
        UUID(as_uuid=True),
        ForeignKey("intervention.interventions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # "before", "after" or "checklist_item" (then checklist_item_key names the item).
    Column("kind", String(20), nullable=False),
    Column("checklist_item_key", String(64), nullable=False, server_default=""),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", String(64), nullable=False, server_default=""),
    Column("content_type", String(30), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("thumbnail_key", String(200), nullable=False),
    CheckConstraint("kind IN ('before', 'after', 'checklist_item')", name="visit_photos_kind"),
)

# The PostgreSQL photo store: one row per stored object (photo or thumbnail), written in the
# transaction that records the photo.
photo_objects = Table(
    "photo_objects",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# -- the health logbook of collective pools (carnet sanitaire) -------------------------------
# One line per test of a collective basin's water, by the site's staff, a technician or the
# office; the limits it broke are kept as they were judged that day.
logbook_entries = Table(
    "logbook_entries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("installation_id", UUID(as_uuid=True), nullable=False),
    Column("site_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("free_chlorine", Float, nullable=False),
    Column("total_chlorine", Float, nullable=False),
    Column("ph", Float, nullable=False),
    Column("temperature", Float, nullable=False),
    Column("transparent", Boolean, nullable=False),
    Column("attendance", Integer, nullable=False),
    Column("water_added_m3", Float, nullable=False),
    Column("filter_washed", Boolean, nullable=False),
    Column("incident", String(1000), nullable=False, server_default=""),
    Column("breaches", ARRAY(String(200)), nullable=False, server_default="{}"),
    Column("entered_by", String(64), nullable=False, server_default=""),
    Column("entered_by_role", String(20), nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Index("ix_logbook_entries_site_taken", "site_id", "taken_at"),
)
