"""Screening records of many threads written in few transactions (group commit).

``serve`` answers from a pool of threads, and every answer leaves a record before it is
sent. Written each in its own transaction, the records of concurrent answers queue for
SQLite's write lock, and a thread that finds the lock taken sleeps in SQLite's busy
handler (1, 2, 5, ... up to 100 ms a try): under 50 concurrent first asks more than half
of an answer's time in the pool went there. Here one thread writes: the records waiting
when it starts a transaction all go into it, in one INSERT, and each caller waits until
its own are committed, so an answer still leaves only once its record is kept. The thread
stops when nothing has come for a while and starts again with the next record.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine

from registry import records
from registry.db import BUSY_TIMEOUT_MS, is_locked
from registry.records import Requester, Screening

log = logging.getLogger(__name__)

# A record is written after the answer, in a short transaction: on SQLite an import may
# hold the write lock for minutes, and the answer must not wait that long for it. Each
# wait holds a pool thread, so 5 s here made 40 lookups beside an import answer at a p50 of
# 18 s (tests/bot/test_import_beside_chat.py); past this wait the answer says that it was
# not recorded (keeping such records for a later write is an open follow-up).
RECORD_LOCK_WAIT_S = 0.5
# Records in one transaction at most: a group is one INSERT, and one answer's wait.
MAX_GROUP = 64
# Seconds without a record after which the writing thread stops (one per Services: a test
# run makes hundreds, a server one).
IDLE_S = 5.0


@dataclass(slots=True)
class _Waiting:
    item: records.Item
    done: Future[list[int]] = field(default_factory=Future)


class RecordWriter:
    """Writes screening records for any number of threads; ``write`` returns once they
    are committed (or raises why they were not)."""

    def __init__(self, engine: Engine, *, lock_wait_s: float = RECORD_LOCK_WAIT_S) -> None:
        self._engine = engine
        # On SQLite, how long a group waits for another writer (an import holds the lock
        # until it commits) before its records are refused, each answer told so.
        self._lock_wait_ms = int(lock_wait_s * 1000)
        self._waiting: deque[_Waiting] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._running = False

    def write(
        self,
        who: Requester,
        screenings: Sequence[Screening],
        editions: Mapping[str, str],
        *,
        batch: str | None = None,
    ) -> list[int]:
        """Keep ``screenings`` (one person's, with the editions in force); their ids."""
        if not screenings:
            return []
        waiting = _Waiting(records.Item(who, tuple(screenings), editions, batch))
        with self._lock:
            self._waiting.append(waiting)
            if self._running:
                self._arrived.notify()
            else:
                self._running = True
                threading.Thread(target=self._run, name="record-writer", daemon=True).start()
        return waiting.done.result()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    self._arrived.wait(IDLE_S)
                if not self._waiting:
                    self._running = False
                    return
                group = [self._waiting.popleft() for _ in range(min(MAX_GROUP, len(self._waiting)))]
            self._commit(group)

    def _commit(self, group: list[_Waiting]) -> None:
        try:
            ids = self._insert([w.item for w in group])
        except BaseException as exc:  # whatever it is, every caller hears it
            if len(group) == 1 or is_locked(exc) or not isinstance(exc, Exception):
                for w in group:
                    w.done.set_exception(exc)
                return
            # Something in one of them (not the lock, which all share): each on its own,
            # so one bad record does not take the others with it.
            for w in group:
                self._commit([w])
            return
        for w, kept in zip(group, ids, strict=True):
            w.done.set_result(kept)

    def _insert(self, items: list[records.Item]) -> list[list[int]]:
        sqlite = self._engine.dialect.name == "sqlite"
        with self._engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={self._lock_wait_ms}")
            try:
                return records.write_many(conn, items)
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
