"""Screening records of many answers written in few transactions (group commit).

``serve`` answers from a pool of threads, and every answer leaves a record before it is
sent. Written each in its own transaction, the records of concurrent answers queue for
SQLite's write lock, and a thread that finds the lock taken sleeps in SQLite's busy
handler (1, 2, 5, ... up to 100 ms a try): under 50 concurrent first asks more than half
of an answer's time in the pool went there. Here one thread writes: the records waiting
when it starts a transaction all go into it, in one INSERT, and each answer's future is
settled once its own are committed, so an answer still leaves only once its record is
kept. The chat front ends await that future on their event loop (``submit``), so a pool
thread hands its answer back at once instead of waiting for the commit, and the group
grows with the answers in flight rather than with the pool's threads (under 50
concurrent asks a record cost ~1 ms of ``serve``'s CPU when each pool thread waited for
its own group, ``bench/serve.py``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy import Engine

from registry import records
from registry.db import BUSY_TIMEOUT_MS, is_locked, set_lock_wait
from registry.records import Requester, Screening

# A record is written after the answer, in a short transaction: on SQLite an import may
# hold the write lock for minutes, and the answer must not wait that long for it. Each
# wait holds a pool thread, so 5 s here made 40 lookups beside an import answer at a p50 of
# 18 s (tests/bot/test_import_beside_chat.py); past this wait the answer says that it was
# not recorded (keeping such records for a later write is an open follow-up).
RECORD_LOCK_WAIT_S = 0.5
# Records in one transaction at most: a group is one INSERT, and one answer's wait.
MAX_GROUP = 64
# How long the writing thread waits for more records before it ends (the next record
# starts another): long enough that a busy server keeps one thread, short enough that a
# process that made a writer and moved on (a test, a command) does not keep its thread.
WRITER_LINGER_S = 1.0


@dataclass(slots=True, eq=False)
class _Waiting:
    item: records.Item
    kept: Future[list[int]]


class RecordWriter:
    """Writes screening records for any number of threads, in a thread of its own
    (started with the first record, ended after ``linger_s`` without one). ``submit``
    gives a future of the records' ids (or of why they were not kept); ``write`` waits
    for it."""

    def __init__(
        self,
        engine: Engine,
        *,
        lock_wait_s: float = RECORD_LOCK_WAIT_S,
        linger_s: float = WRITER_LINGER_S,
    ) -> None:
        self._engine = engine
        # On SQLite, how long a group waits for another writer (an import holds the lock
        # until it commits) before its records are refused, each answer told so.
        self._lock_wait_ms = int(lock_wait_s * 1000)
        self._linger_s = linger_s
        self._waiting: deque[_Waiting] = deque()
        self._more = threading.Condition()
        self._writer: threading.Thread | None = None

    def submit(
        self,
        who: Requester,
        screenings: Sequence[Screening],
        editions: Mapping[str, str],
        *,
        batch: str | None = None,
    ) -> Future[list[int]]:
        """Keep ``screenings`` (one person's, with the editions in force): the future of
        their ids, settled once they are committed."""
        kept: Future[list[int]] = Future()
        if not screenings:
            kept.set_result([])
            return kept
        waiting = _Waiting(records.Item(who, tuple(screenings), editions, batch), kept)
        with self._more:
            self._waiting.append(waiting)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_groups, name="record-writer", daemon=True
                )
                self._writer.start()
            else:
                self._more.notify()
        return kept

    def write(
        self,
        who: Requester,
        screenings: Sequence[Screening],
        editions: Mapping[str, str],
        *,
        batch: str | None = None,
    ) -> list[int]:
        """``submit``, waited for: the ids once committed (or raises why they were not)."""
        return self.submit(who, screenings, editions, batch=batch).result()

    def _write_groups(self) -> None:
        """The writing thread: the records waiting, a group at a time, until none has
        come for ``linger_s``."""
        while True:
            with self._more:
                if not self._waiting:
                    self._more.wait(self._linger_s)
                if not self._waiting:
                    self._writer = None  # under the lock: a new record starts a new thread
                    return
                group = [self._waiting.popleft() for _ in range(min(MAX_GROUP, len(self._waiting)))]
            # A future cancelled meanwhile (its answer was never sent: the server stopping)
            # is dropped; the others can no longer be cancelled, so settling them cannot
            # fail in this thread.
            group = [w for w in group if w.kept.set_running_or_notify_cancel()]
            if group:
                self._commit(group)

    def _commit(self, group: list[_Waiting]) -> None:
        try:
            ids = self._insert([w.item for w in group])
        except BaseException as exc:  # whatever it is, every caller hears it
            if len(group) == 1 or is_locked(exc) or not isinstance(exc, Exception):
                for w in group:
                    w.kept.set_exception(exc)
                return
            # Something in one of them (not the lock, which all share): each on its own,
            # so one bad record does not take the others with it.
            for w in group:
                self._commit([w])
            return
        for w, kept in zip(group, ids, strict=True):
            w.kept.set_result(kept)

    def _insert(self, items: list[records.Item]) -> list[list[int]]:
        sqlite = self._engine.dialect.name == "sqlite"
        with self._engine.begin() as conn:
            if sqlite:
                set_lock_wait(conn, self._lock_wait_ms)
            try:
                return records.write_many(conn, items)
            finally:
                if sqlite:
                    set_lock_wait(conn, BUSY_TIMEOUT_MS)
