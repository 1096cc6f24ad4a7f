"""customer and contract lists: one index per sort, ending on the id (keyset paging)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 21:20:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_customers_code_sort": "contrat.customers (code, id)",
    "ix_customers_city_sort": "contrat.customers (billing_city, id)",
    "ix_customers_email_sort": "contrat.customers (billing_email, id)",
    "ix_customers_created_sort": "contrat.customers (created_at, id)",
    "ix_contracts_number_sort": "contrat.contracts ((coalesce(number, '')), id)",
    "ix_contracts_start_sort": "contrat.contracts (start_date, id)",
}


def upgrade() -> None:
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX contrat.{name}")
