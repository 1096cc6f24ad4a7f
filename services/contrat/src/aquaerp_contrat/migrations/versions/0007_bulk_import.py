"""bulk import: external references on customers and contracts, import jobs, saved mappings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('external_ref', sa.String(length=100), nullable=True), schema='contrat')
    op.add_column('contracts', sa.Column('external_ref', sa.String(length=100), nullable=True), schema='contrat')
    op.create_index('uq_customers_external_ref', 'customers', ['external_ref'], unique=True, schema='contrat', postgresql_where=sa.text('external_ref IS NOT NULL'))
    op.create_index('uq_contracts_external_ref', 'contracts', ['external_ref'], unique=True, schema='contrat', postgresql_where=sa.text('external_ref IS NOT NULL'))
    op.create_table('import_jobs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('mapping', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_failed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('customers_created', sa.Integer(), server_default='0', nullable=False),
    sa.Column('customers_updated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('contracts_created', sa.Integer(), server_default='0', nullable=False),
    sa.Column('contracts_updated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('message', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("mode IN ('file', 'customer')", name='import_mode'),
    sa.CheckConstraint("status IN ('checked', 'invalid', 'running', 'done', 'failed')", name='import_status'),
    sa.PrimaryKeyConstraint('id'),
    schema='contrat'
    )
    op.create_table('import_mappings',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('mapping', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('name'),
    schema='contrat'
    )


def downgrade() -> None:
    op.drop_table('import_mappings', schema='contrat')
    op.drop_table('import_jobs', schema='contrat')
    op.drop_index('uq_contracts_external_ref', table_name='contracts', schema='contrat')
    op.drop_index('uq_customers_external_ref', table_name='customers', schema='contrat')
    op.drop_column('contracts', 'external_ref', schema='contrat')
    op.drop_column('customers', 'external_ref', schema='contrat')
