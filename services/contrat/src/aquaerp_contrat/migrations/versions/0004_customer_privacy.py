"""customer privacy: marketing consent and erasure

Marketing consent (separate from service e-mails) with when and where it was given or
withdrawn; the time a customer was erased (GDPR), after which its personal data is gone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 17:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('marketing_consent', sa.Boolean(), server_default=sa.text('false'), nullable=False), schema='contrat')
    op.add_column('customers', sa.Column('marketing_consent_at', sa.DateTime(timezone=True), nullable=True), schema='contrat')
    op.add_column('customers', sa.Column('marketing_consent_source', sa.String(length=100), server_default='', nullable=False), schema='contrat')
    op.add_column('customers', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True), schema='contrat')


def downgrade() -> None:
    op.drop_column('customers', 'erased_at', schema='contrat')
    op.drop_column('customers', 'marketing_consent_source', schema='contrat')
    op.drop_column('customers', 'marketing_consent_at', schema='contrat')
    op.drop_column('customers', 'marketing_consent', schema='contrat')
