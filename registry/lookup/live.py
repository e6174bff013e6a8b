"""A name index that follows the change log, so new entries are found without a restart,
and that moves to a saved index another process put in its place (``reopen``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from registry.lookup.index import NameIndex
from registry.lookup.types import LookupResult
from registry.memory_only import needs_database


class LiveIndex:
    """The current index. ``refresh_interval`` (seconds) is how often lookups check the
    change log: 0 checks on every call (one query each); a server under load sets it so
    that most lookups read no SQL at all, and sees another process's import that much
    later; while one thread refreshes, the others then answer from the index as it stands
    instead of queueing behind it.

    ``reopen``: at each look at the change log, the index to use instead of the current
    one, or None to keep it (``SavedIndex.reopen``: the saved file was replaced)."""

    def __init__(
        self,
        refresh_interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        build: Callable[[Session], NameIndex] = NameIndex.build,
        reopen: Callable[[Session], NameIndex | None] | None = None,
    ) -> None:
        self._index: NameIndex | None = None
        self._lock = threading.Lock()
        self._interval = refresh_interval
        self._clock = clock
        self._build = build
        self._reopen = reopen
        self._checked = -float("inf")

    @property
    def state(self) -> tuple[int, int] | None:
        """The index's ``state`` as it stands (change-log position, newest import run),
        without looking for newer changes (None before the first lookup)."""
        index = self._index
        return None if index is None else index.state

    def current(self, session: Session) -> NameIndex:
        index = self._index
        if index is not None:
            if self._interval and self._clock() - self._checked < self._interval:
                return index
            needs_database("a look at the change log")
            if not self._lock.acquire(blocking=not self._interval):
                return index
        else:
            needs_database("opening the index")
            self._lock.acquire()
        try:
            replaced = None
            if self._index is not None and self._reopen is not None:
                replaced = self._reopen(session)
            if replaced is not None:
                # Lookups already running keep the old index (and its mapping) until
                # they finish; then nothing holds the old file open.
                self._index = replaced
            elif self._index is None:
                self._index = self._build(session)
            else:
                self._index.refresh(session)
                if self._index.needs_compaction:
                    # Lookups already running keep the old index until they finish.
                    self._index = self._index.compacted()
            self._checked = self._clock()
            return self._index
        finally:
            self._lock.release()

    def lookup(self, session: Session, query: str, limit: int = 5) -> LookupResult:
        return self.current(session).lookup(query, limit)
