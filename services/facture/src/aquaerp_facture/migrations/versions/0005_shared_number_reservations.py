"""billing runs worked by every replica: shared number reservations, the replica of each entry

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 21:20:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'number_reservations',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column('series', sa.String(length=16), nullable=False),
        sa.Column('first_number', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('reserved_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        schema='facture',
    )
    op.create_index('ix_number_reservations_series', 'number_reservations', ['series', 'id'], schema='facture')
    op.add_column('billing_run_entries', sa.Column('handled_by', sa.String(length=100), nullable=True), schema='facture')


def downgrade() -> None:
    op.drop_column('billing_run_entries', 'handled_by', schema='facture')
    op.drop_index('ix_number_reservations_series', table_name='number_reservations', schema='facture')
    op.drop_table('number_reservations', schema='facture')
