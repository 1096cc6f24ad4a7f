"""audit trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 17:50:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_events',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=100), nullable=False),
        sa.Column('target', sa.String(length=200), server_default='', nullable=False),
        sa.Column('client_ip', sa.String(length=64), server_default='', nullable=False),
        sa.Column(
            'details',
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name='audit_events_pkey'),
        schema='auth',
    )
    op.create_index('ix_audit_events_occurred_at', 'audit_events', ['occurred_at'], unique=False, schema='auth')
    op.create_index('ix_audit_events_actor', 'audit_events', ['actor', 'occurred_at'], unique=False, schema='auth')
    op.create_index('ix_audit_events_action', 'audit_events', ['action', 'occurred_at'], unique=False, schema='auth')


def downgrade() -> None:
    op.drop_table('audit_events', schema='auth')
