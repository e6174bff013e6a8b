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
