"""customers may opt out of the service report e-mail

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column(
            "service_report_opt_out", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        schema="contrat",
    )


def downgrade() -> None:
    op.drop_column("customers", "service_report_opt_out", schema="contrat")
