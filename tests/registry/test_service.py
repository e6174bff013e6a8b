"""First use of the embedded default: created, filled, announced, and atomic."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.db import normalise_url, unit_of_work
from registry.errors import NotInitialisedError
from registry.models import Entity
from registry.service import Registry


def test_first_use_creates_and_fills_the_sqlite_registry(tmp_path: Path) -> None:
    said: list[str] = []
    registry = Registry.connect(f"sqlite:///{tmp_path / 'sub' / 'r.sqlite3'}")
    registry.ensure_ready(said.append)
    assert "Creating the registry" in said[0]
    with unit_of_work(registry.sessions) as session:
        assert (session.scalar(select(func.count()).select_from(Entity)) or 0) > 5
    # Second use: silent.
    said.clear()
    Registry.connect(f"sqlite:///{tmp_path / 'sub' / 'r.sqlite3'}").ensure_ready(said.append)
    assert said == []
    assert not list((tmp_path / "sub").glob(".mcf-init-*"))


def test_plain_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgresql://mcf@db/mcf").startswith("postgresql+psycopg://")
    assert (
        normalise_url("postgres://mcf:pw@db:5432/mcf") == "postgresql+psycopg://mcf:pw@db:5432/mcf"
    )


def test_a_server_database_is_never_migrated_behind_the_operators_back(
    postgres_url: str,
) -> None:
    import uuid

    from sqlalchemy import text

    from registry.db import make_engine

    name = f"mcf_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        registry = Registry.connect(postgres_url)
        registry.engine.dispose()
        from registry.db import make_session_factory

        registry.engine = make_engine(
            postgres_url, connect_args={"options": f"-csearch_path={name}"}
        )
        registry.sessions = make_session_factory(registry.engine)
        with pytest.raises(NotInitialisedError, match="mcf-bot db init"):
            registry.ensure_ready(lambda _m: None)
        registry.init()
        registry.ensure_ready(lambda _m: None)
        with unit_of_work(registry.sessions) as session:
            assert (session.scalar(select(func.count()).select_from(Entity)) or 0) > 5
        registry.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@pytest.mark.parametrize("first_use", [True, False], ids=["ensure_ready", "db-init"])
def test_a_new_sqlite_registry_is_readable_by_its_owner_only(
    tmp_path: Path, first_use: bool
) -> None:
    """It holds conversation references and user ids: 0600, and so are SQLite's -wal and
    -shm files, under the usual umask (issue 27, finding 11)."""
    import os

    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "registry.sqlite3"
        registry = Registry.connect(f"sqlite:///{path}")
        if first_use:
            registry.ensure_ready(lambda _line: None)
        else:
            registry.init(empty=True)  # what `mcf-bot db init` runs
        with registry.engine.connect() as conn:  # the -wal and -shm files exist now
            conn.exec_driver_sql("SELECT count(*) FROM alembic_version")
            files = sorted(path.parent.glob("registry.sqlite3*"))
            modes = {f.name: oct(f.stat().st_mode & 0o777) for f in files}
        registry.engine.dispose()
    finally:
        os.umask(old)
    assert "registry.sqlite3" in modes and len(modes) >= 2, modes
    assert set(modes.values()) == {"0o600"}, modes
