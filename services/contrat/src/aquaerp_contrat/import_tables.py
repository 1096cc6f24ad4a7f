"""Tables of the bulk import: the jobs (file, mapping, status, counts, errors per row) and the
column mappings the company saved."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from .models import metadata

import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("file_name", String(200), nullable=False),
    Column("file_format", String(8), nullable=False),
    # The file as uploaded: the import reads it again, the annotated copy is made from it.
    Column("content", LargeBinary, nullable=False),
    # [{"column": "<header in the file>", "field": "customer.name"}, ...]
    Column("mapping", JSONB, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("rows_total", Integer, nullable=False, server_default="0"),
    Column("rows_done", Integer, nullable=False, server_default="0"),
    Column("rows_failed", Integer, nullable=False, server_default="0"),
    Column("customers_created", Integer, nullable=False, server_default="0"),
    Column("customers_updated", Integer, nullable=False, server_default="0"),
    Column("contracts_created", Integer, nullable=False, server_default="0"),
    Column("contracts_updated", Integer, nullable=False, server_default="0"),
    # [{"row": 3, "column": "E-mail", "field": "customer.email", "message": "..."}, ...]
    Column("errors", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("message", String(500), nullable=False, server_default=""),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint("mode IN ('file', 'customer')", name="import_mode"),
    CheckConstraint(
        "status IN ('checked', 'invalid', 'running', 'done', 'failed')", name="import_status"
    ),
)

import_mappings = Table(
    "import_mappings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("mapping", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
