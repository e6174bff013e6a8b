"""record cards: each card's text kept once, records refer to it by its SHA-256

Revision ID: 0012_record_cards_s32
Revises: 0011_watch_verdict_s22
Create Date: 2026-12-05 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_record_cards_s32"
down_revision: str | None = "0011_watch_verdict_s22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_screening_records_card_sha256_record_cards"


def upgrade() -> None:
    op.create_table(
        "record_cards",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_record_cards")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES in place. Batch mode would copy the
        # table (years of records) and drop the old one, and with foreign keys on that
        # drop deletes every decision (ON DELETE CASCADE from record_decisions).
        op.execute(
            "ALTER TABLE screening_records ADD COLUMN card_sha256 VARCHAR(64) "
            f"CONSTRAINT {FK} REFERENCES record_cards (sha256)"
        )
    else:
        op.add_column("screening_records", sa.Column("card_sha256", sa.String(64)))
        op.create_foreign_key(FK, "screening_records", "record_cards", ["card_sha256"], ["sha256"])
    op.create_index(op.f("ix_screening_records_card_sha256"), "screening_records", ["card_sha256"])


def downgrade() -> None:
    raise NotImplementedError(
        "0012_record_cards_s32 is not undone: records keep their cards apart from here on"
    )
