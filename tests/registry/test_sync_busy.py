"""A sync beside an import that holds SQLite's write lock (issue 27, finding 11): the sync
waits for the lock and records its outcome; when the lock outlasts its wait, the
background schedule says so in one line, never a traceback."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.schedule import run_forever
from bot.settings import Settings, SyncSettings
from registry import db
from registry.db import unit_of_work
from registry.models import SyncState
from registry.service import Registry
from registry.sync.options import FetchOptions, SyncOptions
from registry.sync.run import resolve_sources, sync

SOURCE = "us-1260h"
# Every write of the test's registry that is not a sync's gives up after this long (the
# default, 10 s, is shorter than a big import; shortened so the test is quick).
OTHERS_WAIT_MS = 200


def _options(tmp_path: Path) -> SyncOptions:
    """A source whose file is missing: the sync fails at once and must record it."""
    fetch = FetchOptions(retries=1, backoff_s=0.01)
    return SyncOptions(fetch=fetch, urls={SOURCE: str(tmp_path / "missing.csv")})


def _hold_the_write_lock(registry: Registry, seconds: float) -> threading.Thread:
    """Another process's import: SQLite's write lock held for ``seconds``."""
    database = registry.engine.url.database
    assert database
    held = threading.Event()

    def run() -> None:
        conn = sqlite3.connect(database, timeout=0)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(10)
    return thread


@pytest.fixture
def registry(empty_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", OTHERS_WAIT_MS)
    empty_registry.engine.dispose()  # new connections take the shorter wait
    return empty_registry


def _state(registry: Registry) -> SyncState | None:
    with unit_of_work(registry.sessions) as session:
        return session.scalar(select(SyncState).where(SyncState.source == SOURCE))


def test_a_failing_sync_waits_for_the_lock_and_records_its_failure(
    registry: Registry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hold_s = 10 * OTHERS_WAIT_MS / 1000
    holder = _hold_the_write_lock(registry, hold_s)
    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        [outcome] = sync(registry, resolve_sources([SOURCE]), _options(tmp_path))
    waited = time.monotonic() - started
    holder.join()
    assert outcome.status == "failed", outcome
    assert waited >= hold_s * 0.8, "recorded without the lock?"
    state = _state(registry)
    assert state is not None and state.failures == 1 and state.last_error
    assert not [r for r in caplog.records if r.exc_info]


def test_a_lock_held_past_the_syncs_wait_is_one_line_in_the_schedule(
    registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("registry.sync.run.SYNC_LOCK_WAIT_S", 0.3, raising=False)
    settings = Settings(
        database_url=str(registry.engine.url),
        sync=SyncSettings(interval_s=3600.0, options=_options(tmp_path)),
    )
    stop = threading.Event()
    holder = _hold_the_write_lock(registry, 3.0)
    with caplog.at_level(logging.INFO):
        schedule = threading.Thread(target=run_forever, args=(registry, settings, stop, [SOURCE]))
        schedule.start()
        deadline = time.monotonic() + 30
        while not [r for r in caplog.records if r.levelno >= logging.WARNING]:
            assert time.monotonic() < deadline, "the schedule said nothing"
            time.sleep(0.05)
        stop.set()
        schedule.join(10)
    holder.join()
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in caplog.records if r.exc_info], "a traceback"
    assert len(said) == 1 and "next pass tries again" in said[0].getMessage()
