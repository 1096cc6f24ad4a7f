"""api keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 20:55:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_keys',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('roles', postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column('customer_id', sa.String(length=64), server_default='', nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name='api_keys_pkey'),
        sa.UniqueConstraint('secret_hash', name='api_keys_secret_hash_key'),
        schema='auth',
    )
    op.create_index(
        'ix_api_keys_revoked_at',
        'api_keys',
        ['revoked_at'],
        unique=False,
        schema='auth',
        postgresql_where=sa.text('revoked_at IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_table('api_keys', schema='auth')
