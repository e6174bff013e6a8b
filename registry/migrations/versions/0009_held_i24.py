"""held editions (the import guard) and SDN programme codes on designations

Revision ID: 0009_held_i24
Revises: 0008_outbox_error_i27
Create Date: 2026-12-05 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_held_i24"
down_revision: str | None = "0008_outbox_error_i27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("edition", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("announced_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_editions")),
    )
    op.create_index(op.f("ix_held_editions_source"), "held_editions", ["source"])
    with op.batch_alter_table("designations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programmes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("designations", schema=None) as batch_op:
        batch_op.drop_column("programmes")
    op.drop_index(op.f("ix_held_editions_source"), table_name="held_editions")
    op.drop_table("held_editions")
