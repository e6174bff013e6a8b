"""Screening records of many threads written in few transactions (group commit).

``serve`` answers from a pool of threads, and every answer leaves a record before it is
sent. Written each in its own transaction, the records of concurrent answers queue for
SQLite's write lock, and a thread that finds the lock taken sleeps in SQLite's busy
handler (1, 2, 5, ... up to 100 ms a try): under 50 concurrent first asks more than half
of an answer's time in the pool went there. Here one caller at a time writes: the records
waiting when it starts a transaction all go into it, in one INSERT, and each caller waits
until its own are committed, so an answer still leaves only once its record is kept.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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


@dataclass(slots=True, eq=False)
class _Waiting:
    item: records.Item
    ids: list[int] | None = None
    error: BaseException | None = None
    lead: bool = False  # asked to write the next group
    woken: threading.Event = field(default_factory=threading.Event)

    def result(self) -> list[int]:
        if self.error is not None:
            raise self.error
        assert self.ids is not None
        return self.ids


class RecordWriter:
    """Writes screening records for any number of threads; ``write`` returns once they
    are committed (or raises why they were not).

    No thread of its own: the caller that finds nobody writing writes the group (its own
    records first, with whatever has queued behind them), then hands the writing to the
    first caller still waiting. Alone, a caller writes its records as it always did."""

    def __init__(self, engine: Engine, *, lock_wait_s: float = RECORD_LOCK_WAIT_S) -> None:
        self._engine = engine
        # On SQLite, how long a group waits for another writer (an import holds the lock
        # until it commits) before its records are refused, each answer told so.
        self._lock_wait_ms = int(lock_wait_s * 1000)
        self._waiting: deque[_Waiting] = deque()
        self._lock = threading.Lock()
        self._writing = False

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
        me = _Waiting(records.Item(who, tuple(screenings), editions, batch))
        with self._lock:
            self._waiting.append(me)
            leads = not self._writing
            self._writing = True
        if not leads:
            me.woken.wait()
            if not me.lead:
                return me.result()
        self._lead()
        return me.result()

    def _lead(self) -> None:
        """Write the group at the head of the queue (the leader is first in it), then
        hand over to the next caller waiting, or stop."""
        with self._lock:
            group = [self._waiting.popleft() for _ in range(min(MAX_GROUP, len(self._waiting)))]
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._waiting:
                    following = self._waiting[0]
                    following.lead = True
                    following.woken.set()
                else:
                    self._writing = False
            for w in group:
                w.woken.set()

    def _commit(self, group: list[_Waiting]) -> None:
        try:
            ids = self._insert([w.item for w in group])
        except BaseException as exc:  # whatever it is, every caller hears it
            if len(group) == 1 or is_locked(exc) or not isinstance(exc, Exception):
                for w in group:
                    w.error = exc
                return
            # Something in one of them (not the lock, which all share): each on its own,
            # so one bad record does not take the others with it.
            for w in group:
                self._commit([w])
            return
        for w, kept in zip(group, ids, strict=True):
            w.ids = kept

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
