"""sealed_totp: authenticator secrets are sealed with a key outside the database.

The column grows to hold a Fernet token, and the secrets already there are sealed with the
key the app uses (HUB_SECRET_KEY, or the development key in instance/), so this must run with
the same settings as the app. Downgrading opens them again.

Revision ID: 0016
Revises: 0015
Created: 2026-12-03 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TOTP = sa.table("totp_secret", sa.column("id", sa.Integer), sa.column("secret", sa.String))


def _app_sealer():
    from hub import INSTANCE
    from hub import config as settings
    from hub.core.sealed import sealer

    config = settings.load(INSTANCE)
    settings.finish(config, INSTANCE)
    return sealer([config["SECRET_KEY"], *config["SECRET_KEY_FALLBACKS"]])


def _rewrite(change) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(TOTP.c.id, TOTP.c.secret)).all()
    if not rows:
        return
    fernet = _app_sealer()
    for row in rows:
        connection.execute(sa.update(TOTP).where(TOTP.c.id == row.id).values(secret=change(fernet, row.secret)))


def upgrade() -> None:
    with op.batch_alter_table("totp_secret") as batch:
        batch.alter_column("secret", type_=sa.String(length=255), existing_type=sa.String(length=64))
    _rewrite(lambda fernet, secret: fernet.encrypt(secret.encode()).decode())


def downgrade() -> None:
    _rewrite(lambda fernet, sealed: fernet.decrypt(sealed.encode()).decode())
    with op.batch_alter_table("totp_secret") as batch:
        batch.alter_column("secret", type_=sa.String(length=64), existing_type=sa.String(length=255))
