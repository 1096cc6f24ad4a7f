"""the health logbook of collective pools (carnet sanitaire)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 01:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "logbook_entries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("installation_id", sa.UUID(), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("free_chlorine", sa.Float(), nullable=False),
        sa.Column("total_chlorine", sa.Float(), nullable=False),
        sa.Column("ph", sa.Float(), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=False),
        sa.Column("transparent", sa.Boolean(), nullable=False),
        sa.Column("attendance", sa.Integer(), nullable=False),
        sa.Column("water_added_m3", sa.Float(), nullable=False),
        sa.Column("filter_washed", sa.Boolean(), nullable=False),
        sa.Column("incident", sa.String(length=1000), server_default="", nullable=False),
        sa.Column(
            "breaches", postgresql.ARRAY(sa.String(length=200)), server_default="{}", nullable=False
        ),
        sa.Column("entered_by", sa.String(length=64), server_default="", nullable=False),
        sa.Column("entered_by_role", sa.String(length=20), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("logbook_entries_pkey")),
        schema="intervention",
    )
    op.create_index(
        "ix_logbook_entries_site_taken",
        "logbook_entries",
        ["site_id", "taken_at"],
        unique=False,
        schema="intervention",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_logbook_entries_site_taken", table_name="logbook_entries", schema="intervention"
    )
    op.drop_table("logbook_entries", schema="intervention")
