"""Fixtures: real databases, never mocks of them.

- ``empty_registry``: a fresh SQLite file migrated to head, no data (per test).
- ``bundled_path``: one SQLite file with the bundled registry, built once per run;
  ``bundled_registry`` gives each test its own copy, so tests may write to it.
- ``services``: handlers' collaborators over a copy of the bundled registry.
- ``bundled_cards``: the card of every organisation of the bundled registry, built once
  per run (for properties tested over the whole registry).
- PostgreSQL: ``MCF_TEST_POSTGRES_URL`` points at a server; without it the tests that
  need one skip with a reason, except in CI (``CI=true``), where they fail.
  ``pg_empty_registry``: a schema of its own on that server, migrated, dropped after
  (``pg_schema``: the same schema, not migrated, for migration tests).
- ``tls_cert``: a self-signed certificate and key for 127.0.0.1 (local https stand-ins).
- Every test runs apart from the user's environment (``isolated_from_the_user``): no
  ``MCF_*``, Slack or Teams variables, and a home, XDG folders and so platformdirs' data
  folder of its own. A test wanting a setting sets it; the subprocesses tests start
  inherit the cleaned environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from handlers.context import Services
from handlers.replies import EntityCard
from registry.lookup import NameIndex
from registry.service import Registry

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).parent / "fixtures"


# Variables a user may have set for their own mcf-bot (or Slack/Teams apps) that would
# change what a test runs against; the test suite's own settings are kept.
USER_PREFIXES = ("MCF_", "SLACK_", "CONNECTIONS__", "CONNECTIONSMAP__", "AGENTAPPLICATION__")
KEPT = {"MCF_TEST_POSTGRES_URL"}
HOME_VARIABLES = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


@pytest.fixture(autouse=True)
def isolated_from_the_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Tests never read or write the user's environment: their ``MCF_*`` settings are
    cleared and their home folder replaced by an empty one per test."""
    for name in list(os.environ):
        if name.startswith(USER_PREFIXES) and name not in KEPT:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable in HOME_VARIABLES:
        monkeypatch.setenv(variable, str(home / variable.lower()))
    return home


@pytest.fixture
def empty_registry(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry.connect(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    registry.init(empty=True)
    yield registry
    registry.engine.dispose()


@pytest.fixture(scope="session")
def bundled_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundled") / "registry.sqlite3"
    registry = Registry.connect(f"sqlite:///{path}")
    registry.init()
    with registry.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    registry.engine.dispose()
    return path


@pytest.fixture(scope="session")
def bundled_reader(bundled_path: Path) -> Iterator[Registry]:
    """The bundled registry, to read only (tests that change it take ``bundled_registry``,
    a copy of their own)."""
    registry = Registry.connect(f"sqlite:///{bundled_path}")
    yield registry
    registry.engine.dispose()


@pytest.fixture(scope="session")
def bundled_index(bundled_reader: Registry) -> NameIndex:
    """The name index over the bundled registry, built once, to look up only: a test that
    adds names builds its own."""
    from registry.db import unit_of_work

    with unit_of_work(bundled_reader.sessions) as session:
        return NameIndex.build(session)


@pytest.fixture(scope="session")
def bundled_cards(bundled_path: Path) -> list[EntityCard]:
    from sqlalchemy import select

    from handlers.cards import build_card
    from registry.db import unit_of_work
    from registry.models import Entity

    registry = Registry.connect(f"sqlite:///{bundled_path}")
    cards = []
    with unit_of_work(registry.sessions) as session:
        for entity_id in session.scalars(select(Entity.id).order_by(Entity.id)).all():
            cards.append(build_card(session, entity_id))
            session.expunge_all()  # a small identity map over thousands of cards
    registry.engine.dispose()
    return cards


@pytest.fixture
def bundled_registry(bundled_path: Path, tmp_path: Path) -> Iterator[Registry]:
    copy = tmp_path / "registry.sqlite3"
    shutil.copy(bundled_path, copy)
    registry = Registry.connect(f"sqlite:///{copy}")
    yield registry
    registry.engine.dispose()


@pytest.fixture
def services(bundled_registry: Registry) -> Services:
    return Services(bundled_registry)


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("MCF_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide PostgreSQL: MCF_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set MCF_TEST_POSTGRES_URL=postgresql://user@host/db to run")
    return url


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[Engine]:
    """An engine on a schema of its own on the PostgreSQL server (not migrated), dropped
    after the test."""
    from sqlalchemy import text

    from registry.db import make_engine

    name = f"mcf_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={name}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


@pytest.fixture
def pg_empty_registry(pg_schema: Engine) -> Registry:
    from registry.db import make_session_factory

    registry = Registry(pg_schema, make_session_factory(pg_schema))
    registry.init(empty=True)
    return registry


@pytest.fixture
def tls_cert(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
