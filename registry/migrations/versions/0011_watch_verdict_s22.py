"""the verdict a watching channel last heard, on each watch subscription

Revision ID: 0011_watch_verdict_s22
Revises: 0010_watermark_s27a
Create Date: 2026-12-05 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_watch_verdict_s22"
down_revision: str | None = "0010_watermark_s27a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("verdict", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("verdict")
