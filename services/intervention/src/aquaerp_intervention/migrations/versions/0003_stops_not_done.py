"""stops not done: the record of each stop and the company's settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 00:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stops_not_done",
        sa.Column("intervention_id", sa.UUID(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "photo_ids", postgresql.ARRAY(sa.String(length=64)), server_default="{}", nullable=False
        ),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=64), server_default="", nullable=False),
        sa.Column("follow_up", sa.String(length=20), nullable=False),
        sa.Column("follow_up_id", sa.UUID(), nullable=True),
        sa.Column(
            "customer_notified", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("follow_up IN ('carried_over', 'to_replan')", name="stop_follow_up"),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["intervention.interventions.id"],
            name=op.f("stops_not_done_follow_up_id_fkey"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.interventions.id"],
            name=op.f("stops_not_done_intervention_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intervention_id", name=op.f("stops_not_done_pkey")),
        schema="intervention",
    )
    op.create_table(
        "stop_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("carry_over_automatically", sa.Boolean(), nullable=False),
        sa.Column("notify_customer", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name="stop_settings_single_row"),
        sa.PrimaryKeyConstraint("id", name=op.f("stop_settings_pkey")),
        schema="intervention",
    )


def downgrade() -> None:
    op.drop_table("stop_settings", schema="intervention")
    op.drop_table("stops_not_done", schema="intervention")
