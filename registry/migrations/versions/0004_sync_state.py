"""sync: what mcf-bot sync knows of each source

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sync_state',
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('last_change_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('edition', sa.String(length=40), nullable=True),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_sync_state_import_run_id_import_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_sync_state'))
    )


def downgrade() -> None:
    op.drop_table('sync_state')
