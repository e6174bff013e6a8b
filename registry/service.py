"""The registry as one handle: engine, session factory and the bootstrap rules."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from registry import schema
from registry.bundled import load_bundle
from registry.db import make_engine, make_session_factory, unit_of_work
from registry.errors import NotInitialisedError


@dataclass
class Registry:
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str) -> Registry:
        engine = make_engine(url)
        return cls(engine, make_session_factory(engine))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def is_empty(self) -> bool:
        return not inspect(self.engine).has_table("alembic_version")

    def init(self, *, empty: bool = False, step: Callable[[str], None] | None = None) -> None:
        """Migrate to head and load the bundled data; ``step`` hears each stage."""
        if step is not None:
            step("creating the schema")
        schema.upgrade(self.engine)
        if not empty:
            with unit_of_work(self.sessions) as session:
                load_bundle(session, step=step)

    def _init_sqlite_atomically(self, step: Callable[[str], None] | None = None) -> None:
        """Build the file beside its final path and rename it into place, so a failed or
        concurrent first run never leaves a half-filled registry behind."""
        target = self.engine.url.database
        if not target or target == ":memory:":
            self.init(step=step)
            return
        final = Path(target)
        fd, tmp_name = tempfile.mkstemp(prefix=".mcf-init-", suffix=".sqlite3", dir=final.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            staging = Registry.connect(f"sqlite:///{tmp}")
            staging.init(step=step)
            with staging.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
            staging.engine.dispose()
            self.engine.dispose()
            if not self.is_empty():
                return  # another process finished first; keep its registry
            os.replace(tmp, final)
            self.engine.dispose()  # pooled connections still point at the old, empty file
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)

    def ensure_ready(self, announce: Callable[[str], None]) -> None:
        """Create and fill an embedded SQLite registry on first use; never migrate a
        shared server database behind an operator's back (replicas would race)."""
        if self.is_empty():
            if not self.is_sqlite:
                raise NotInitialisedError(
                    "the registry database has no schema yet: run `mcf-bot db init`"
                )
            announce(
                f"Creating the registry at {self.engine.url.database} "
                "and loading the bundled data (first run only)..."
            )
            self._init_sqlite_atomically(
                lambda stage: announce(f"Creating the registry: {stage}...")
            )
            announce("Registry ready.")
            return
        current, head = schema.current_revision(self.engine), schema.head_revision()
        if current != head:
            if not self.is_sqlite:
                raise NotInitialisedError(
                    f"the registry schema is at {current}, this mcf-bot needs {head}: "
                    "run `mcf-bot db upgrade`"
                )
            announce(f"Upgrading the registry schema from {current} to {head}...")
            schema.upgrade(self.engine)
