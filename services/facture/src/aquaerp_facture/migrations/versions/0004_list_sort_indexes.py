"""invoice and payment lists: one index per sort, ending on the id (keyset paging)

Each sort of the office lists reads its first page, and every next one, from an index in
order; nullable columns are indexed through the same coalesce the lists sort on.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 21:10:00
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_invoices_created_id": "facture.invoices (created_at, id)",
    "ix_invoices_status_created": "facture.invoices (status, created_at, id)",
    "ix_invoices_number_sort": "facture.invoices ((coalesce(number, '')), id)",
    "ix_invoices_customer_name_sort": "facture.invoices (customer_name, id)",
    "ix_invoices_issue_date_sort": (
        "facture.invoices ((coalesce(issue_date, DATE '0001-01-01')), id)"
    ),
    "ix_invoices_due_date_sort": "facture.invoices ((coalesce(due_date, DATE '0001-01-01')), id)",
    "ix_invoices_total_sort": "facture.invoices (total_including_vat_cents, id)",
    "ix_payments_created_id": "facture.payments (created_at, id)",
    "ix_payments_received_sort": "facture.payments (received_on, id)",
    "ix_payments_amount_sort": "facture.payments (amount_cents, id)",
}


def upgrade() -> None:
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX facture.{name}")
