"""issued invoices: the buyer's display copies can be erased (GDPR)

The guard of issued documents keeps refusing every change, except one: a transaction that
declares a personal-data erasure (`SET LOCAL facture.personal_data_erasure = 'on'`) may rewrite
the columns outside the hash that copy the buyer for lists and e-mails (`customer_name`,
`customer_email`), the office's draft input (`content`) and `updated_at`. The legal content
(`document`, the PDF, the hashes, numbers, dates and totals) stays immutable.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 17:40:00
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

GUARD = """
CREATE OR REPLACE FUNCTION facture.protect_issued_documents() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept facture.invoices%ROWTYPE;
BEGIN
    IF current_setting('facture.allow_tampering', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'issued invoices can never be deleted: TRUNCATE of % refused', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'issued' THEN
        IF TG_OP = 'UPDATE' AND current_setting('facture.personal_data_erasure', true) = 'on' THEN
            kept := NEW;
            kept.customer_name := OLD.customer_name;
            kept.customer_email := OLD.customer_email;
            kept.content := OLD.content;
            kept.updated_at := OLD.updated_at;
            IF kept IS NOT DISTINCT FROM OLD THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION '% is issued: it can never be modified or deleted (issue a credit note)',
            OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION facture.protect_issued_documents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('facture.allow_tampering', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'issued invoices can never be deleted: TRUNCATE of % refused', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION '% is issued: it can never be modified or deleted (issue a credit note)',
            OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$"""


def upgrade() -> None:
    op.execute(GUARD)


def downgrade() -> None:
    op.execute(PREVIOUS)
