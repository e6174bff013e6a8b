"""records: screening records and the decisions made on them

Revision ID: 0007_records_i22
Revises: 0006
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_records_i22"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("channel_id", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("verdict", sa.String(length=40), nullable=False),
        sa.Column("entity_ids", sa.JSON(), nullable=False),
        sa.Column("editions", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("answer_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_records")),
    )
    op.create_index(op.f("ix_screening_records_at"), "screening_records", ["at"])
    op.create_index(op.f("ix_screening_records_user_id"), "screening_records", ["user_id"])
    op.create_table(
        "record_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["screening_records.id"],
            name=op.f("fk_record_decisions_record_id_screening_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_decisions")),
    )
    op.create_index(op.f("ix_record_decisions_record_id"), "record_decisions", ["record_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_record_decisions_record_id"), table_name="record_decisions")
    op.drop_table("record_decisions")
    op.drop_index(op.f("ix_screening_records_user_id"), table_name="screening_records")
    op.drop_index(op.f("ix_screening_records_at"), table_name="screening_records")
    op.drop_table("screening_records")
