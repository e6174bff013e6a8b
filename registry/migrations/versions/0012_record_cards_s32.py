"""record cards: each card's text kept once, records refer to it by its SHA-256

Revision ID: 0012_record_cards_s32
Revises: 0011_watch_verdict_s22
Create Date: 2026-12-05 23:10:00
"""

import json
import uuid
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


def _canonical(value: object) -> str:
    """``registry.records.canonical_text`` as of this revision (a migration does not
    follow later code)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _whole(skeleton: str, card: str) -> str:
    """A record's whole answer: its stored text with the card's text where ``null`` is,
    spliced as text so the card's bytes stay those its digest was taken of."""
    mark = f"mcf-card-{uuid.uuid4().hex}"
    marked = _canonical({**json.loads(skeleton), "card": mark})
    before, after = marked.split(json.dumps(mark), 1)
    return before + card + after


def downgrade() -> None:
    bind = op.get_bind()
    records = sa.table(
        "screening_records",
        sa.column("id", sa.Integer),
        sa.column("answer", sa.Text),
        sa.column("card_sha256", sa.String),
    )
    # Every record gets its whole answer back (the card put in), one card at a time; the
    # text as it is (PostgreSQL's json keeps it so), not serialised again.
    value = "CAST(:answer AS JSON)" if bind.dialect.name == "postgresql" else ":answer"
    put_back = sa.text(f"UPDATE screening_records SET answer = {value} WHERE id = :id")
    for sha, card in bind.execute(sa.text("SELECT sha256, text FROM record_cards")).all():
        shown = bind.execute(
            sa.select(records.c.id, sa.cast(records.c.answer, sa.Text)).where(
                records.c.card_sha256 == sha
            )
        ).all()
        for record_id, skeleton in shown:
            bind.execute(put_back, {"answer": _whole(skeleton, card), "id": record_id})
    op.drop_index(op.f("ix_screening_records_card_sha256"), table_name="screening_records")
    if bind.dialect.name == "sqlite":
        # SQLite (3.35 on) drops the column in place; batch mode would copy the table and
        # its drop would take the decisions with it (see ``upgrade``).
        op.execute("ALTER TABLE screening_records DROP COLUMN card_sha256")
    else:
        op.drop_constraint(FK, "screening_records", type_="foreignkey")
        op.drop_column("screening_records", "card_sha256")
    op.drop_table("record_cards")
