"""TOTP secrets encrypted at rest

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 17:45:00

The columns become text (an encrypted value is longer) and every secret already stored is
encrypted with the current key of AUTH_SECRET_KEYS (the migration runs with the service's
environment). Downgrading decrypts them back.
"""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ('totp_secret', 'totp_pending_secret')


def _box():
    from aquaerp_auth.config import AuthSettings
    from aquaerp_auth.service import TOTP_PURPOSE
    from aquaerp_runtime.secrets_at_rest import SecretBox

    return SecretBox.from_setting(AuthSettings().secret_keys), TOTP_PURPOSE


def upgrade() -> None:
    for column in COLUMNS:
        op.alter_column('users', column, type_=sa.Text(), existing_type=sa.String(64), schema='auth')
    box, purpose = _box()
    connection = op.get_bind()
    for column in COLUMNS:
        rows = connection.execute(
            sa.text(f'SELECT id, {column} FROM auth.users WHERE {column} IS NOT NULL')
        ).all()
        for user_id, value in rows:
            if not box.is_encrypted(value):
                connection.execute(
                    sa.text(f'UPDATE auth.users SET {column} = :value WHERE id = :id'),
                    {'value': box.encrypt(value, purpose), 'id': user_id},
                )


def downgrade() -> None:
    box, purpose = _box()
    connection = op.get_bind()
    for column in COLUMNS:
        rows = connection.execute(
            sa.text(f'SELECT id, {column} FROM auth.users WHERE {column} IS NOT NULL')
        ).all()
        for user_id, value in rows:
            if box.is_encrypted(value):
                connection.execute(
                    sa.text(f'UPDATE auth.users SET {column} = :value WHERE id = :id'),
                    {'value': box.decrypt(value, purpose), 'id': user_id},
                )
        op.alter_column('users', column, type_=sa.String(64), existing_type=sa.Text(), schema='auth')
