"""Migrations are the only way the schema is made: head must equal the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from registry import schema
from registry.db import make_engine
from registry.models import Base


def test_upgrading_an_empty_database_to_head_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    schema.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert schema.current_revision(engine) == schema.head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_upgrade_matches_models_on_postgres(postgres_url: str) -> None:
    import uuid

    from sqlalchemy import text

    engine = make_engine(postgres_url)
    name = f"mcf_test_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    scoped = make_engine(postgres_url, connect_args={"options": f"-csearch_path={name}"})
    try:
        schema.upgrade(scoped)
        with scoped.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        scoped.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        engine.dispose()


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from registry import schema

    expected = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    assert schema.head_revision() == expected
