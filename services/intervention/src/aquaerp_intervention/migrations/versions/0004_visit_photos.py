"""visit photos: their metadata and the PostgreSQL photo store

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_photos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("intervention_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("checklist_item_key", sa.String(length=64), server_default="", nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), server_default="", nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('before', 'after', 'checklist_item')", name="visit_photos_kind"
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.interventions.id"],
            name=op.f("visit_photos_intervention_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("visit_photos_pkey")),
        schema="intervention",
    )
    op.create_index(
        op.f("ix_intervention_visit_photos_intervention_id"),
        "visit_photos",
        ["intervention_id"],
        unique=False,
        schema="intervention",
    )
    op.create_table(
        "photo_objects",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("photo_objects_pkey")),
        schema="intervention",
    )


def downgrade() -> None:
    op.drop_table("photo_objects", schema="intervention")
    op.drop_index(
        op.f("ix_intervention_visit_photos_intervention_id"), table_name="visit_photos", schema="intervention"
    )
    op.drop_table("visit_photos", schema="intervention")
