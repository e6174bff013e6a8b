"""resolution: merges, and designation end/reason provenance

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-01 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=True),
        sa.Column("kept_key", sa.String(length=200), nullable=False),
        sa.Column("merged_key", sa.String(length=200), nullable=False),
        sa.Column("merged_name", sa.String(length=500), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kept_id"], ["entities.id"], name=op.f("fk_merges_kept_id_entities"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_merges_import_run_id_import_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merges")),
    )
    op.create_index(op.f("ix_merges_kept_id"), "merges", ["kept_id"])
    op.create_index(op.f("ix_merges_merged_key"), "merges", ["merged_key"])
    # The lists' migration (designation terms) adds ``end_source_id`` too, with the same
    # meaning and constraint name: whichever runs first adds it, the other leaves it.
    has_end_source = "end_source_id" in _columns("designations")
    with op.batch_alter_table("designations") as batch:
        batch.add_column(sa.Column("reason_source_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
        if not has_end_source:
            batch.add_column(sa.Column("end_source_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_designations_reason_source_id_sources"), "sources", ["reason_source_id"], ["id"]
        )
        if not has_end_source:
            batch.create_foreign_key(
                op.f("fk_designations_end_source_id_sources"), "sources", ["end_source_id"], ["id"]
            )


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def downgrade() -> None:
    # ``end_source_id`` stays when the lists' migration, which also uses it, is applied.
    shared = "designation_sources" in sa.inspect(op.get_bind()).get_table_names()
    with op.batch_alter_table("designations") as batch:
        if not shared:
            batch.drop_constraint(op.f("fk_designations_end_source_id_sources"), type_="foreignkey")
            batch.drop_column("end_source_id")
        batch.drop_constraint(op.f("fk_designations_reason_source_id_sources"), type_="foreignkey")
        batch.drop_column("end_reason")
        batch.drop_column("reason_source_id")
    op.drop_index(op.f("ix_merges_merged_key"), table_name="merges")
    op.drop_index(op.f("ix_merges_kept_id"), table_name="merges")
    op.drop_table("merges")
