"""payment reversal, and payments bounded

A reversed payment keeps its row (when, by whom, why); its allocations are deleted. Amounts of
new payments are bounded like every amount at the API edge (NOT VALID: rows already there are
not checked).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 17:15:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('payments', sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True), schema='facture')
    op.add_column('payments', sa.Column('reversed_by', sa.String(length=100), nullable=True), schema='facture')
    op.add_column('payments', sa.Column('reversal_reason', sa.Text(), nullable=True), schema='facture')
    op.execute(
        "ALTER TABLE facture.payments ADD CONSTRAINT payment_bounded "
        "CHECK (amount_cents <= 100000000000) NOT VALID"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE facture.payments DROP CONSTRAINT payment_bounded")
    op.drop_column('payments', 'reversal_reason', schema='facture')
    op.drop_column('payments', 'reversed_by', schema='facture')
    op.drop_column('payments', 'reversed_at', schema='facture')
