"""Shared checks for importer tests: a refused file names where it failed and writes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import unit_of_work
from registry.errors import BadImportError
from registry.importers import run_import
from registry.models import Base
from registry.service import Registry


def table_counts(session: Session) -> dict[str, int]:
    return {
        t.name: session.scalar(select(func.count()).select_from(t)) or 0
        for t in Base.metadata.sorted_tables
    }


def assert_refused_unchanged(
    registry: Registry, source: str, path: Path, line: int | None, field: str | None
) -> BadImportError:
    """Import ``path``; it must fail naming file (and line/field when given), and every
    table must keep its row count."""
    with unit_of_work(registry.sessions) as session:
        before = table_counts(session)
    with pytest.raises(BadImportError) as err, unit_of_work(registry.sessions) as session:
        run_import(session, source, [path])
    assert err.value.file == str(path)
    if line is not None:
        assert err.value.line == line
    if field is not None:
        assert err.value.field == field
    with unit_of_work(registry.sessions) as session:
        assert table_counts(session) == before
    return err.value
