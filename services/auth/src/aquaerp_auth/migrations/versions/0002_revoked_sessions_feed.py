"""revoked sessions feed index

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 17:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_sessions_revoked_at',
        'sessions',
        ['revoked_at'],
        unique=False,
        schema='auth',
        postgresql_where=sa.text('revoked_at IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_sessions_revoked_at', table_name='sessions', schema='auth')
