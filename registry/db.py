"""Engines and units of work. The caller opens the session; data functions receive it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from registry import changelog, provenance
from registry.errors import RegistryBusyError
from registry.memory_only import needs_database

# How long a SQLite writer waits for another (imports, the alert worker) by default.
BUSY_TIMEOUT_MS = 10_000
# A new SQLite registry is readable by its owner only: it holds conversation references,
# user ids and screening records. SQLite gives its -wal and -shm files the same mode. An
# existing file keeps the mode its operator gave it (``chmod`` to share it on purpose).
DATABASE_FILE_MODE = 0o600


def normalise_url(url: str) -> str:
    """Accept the plain ``postgresql://`` URLs people paste, and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class JsonText(str):
    """A value already serialised as JSON (a screening record's canonical answer): stored
    as it is, rather than serialised a second time (``make_engine``'s serializer)."""


def serialise_json(value: Any) -> str:
    """What JSON columns store: ``json.dumps`` (SQLAlchemy's default), or the text of a
    ``JsonText`` as it is."""
    return str(value) if isinstance(value, JsonText) else json.dumps(value)


def _not_memory_only(_state: Any) -> None:
    needs_database()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", serialise_json)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            _create_private(parsed.database)
        # The bot answers from a thread pool: let SQLite connections cross threads.
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _create_private(database: str) -> None:
    """Create the SQLite file ``database`` names with ``DATABASE_FILE_MODE`` before SQLite
    does (it would create it 0644 under the usual umask); an empty file is an empty
    database to SQLite. Nothing when it exists, or cannot be made here (SQLite then says
    why when it opens it)."""
    if database.startswith("file:"):
        return  # a URI filename (``?mode=ro`` and the like): SQLite's to interpret
    try:
        fd = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATABASE_FILE_MODE)
    except OSError:
        return
    os.close(fd)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the alert worker read while an import writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL survives an application crash (what exactly-once delivery needs)
    # and skips an fsync per commit; only a power cut can lose the last transactions.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    # Checked before the session takes a connection (``registry.memory_only``).
    event.listen(factory, "do_orm_execute", _not_memory_only)
    provenance.install(factory)
    changelog.install(factory)
    return factory


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" (another connection holds the write lock)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def set_lock_wait(connection: Connection, wait_ms: int) -> None:
    """How long this SQLite connection waits for another writer's lock. Said to the
    driver's connection itself: through SQLAlchemy's execution a PRAGMA costs some
    0.1 ms (a statement context and a result), which a record written per answer pays
    twice."""
    driver = connection.connection.driver_connection
    assert driver is not None  # a connection in use has its driver's
    driver.execute(f"PRAGMA busy_timeout={int(wait_ms)}")


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], *, lock_wait_s: float | None = None
) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises.

    ``lock_wait_s``: on SQLite, how long a write may wait for another writer (an import
    holds the lock until it commits) before ``RegistryBusyError``; chat commands pass a
    short wait so a person hears "try again in a minute" at once. PostgreSQL ignores it.
    """
    session = factory()
    wait_ms = None
    if lock_wait_s is not None and session.get_bind().dialect.name == "sqlite":
        wait_ms = int(lock_wait_s * 1000)
        set_lock_wait(session.connection(), wait_ms)
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        if is_locked(exc):
            raise RegistryBusyError("the registry is being updated") from exc
        raise
    finally:
        if wait_ms is not None:
            # The connection goes back to the pool: give it the default wait again (if
            # it is broken the pool discards it, and the original error matters more).
            with suppress(SQLAlchemyError):
                set_lock_wait(session.connection(), BUSY_TIMEOUT_MS)
        session.close()
