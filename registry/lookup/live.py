"""A name index that follows the change log, so new entries are found without a restart."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from registry.lookup.index import NameIndex
from registry.lookup.types import LookupResult


class LiveIndex:
    def __init__(self) -> None:
        self._index: NameIndex | None = None
        self._lock = threading.Lock()

    def current(self, session: Session) -> NameIndex:
        with self._lock:
            if self._index is None:
                self._index = NameIndex.build(session)
            else:
                self._index.refresh(session)
                if self._index.needs_compaction:
                    # Lookups already running keep the old index until they finish.
                    self._index = self._index.compacted()
            return self._index

    def lookup(self, session: Session, query: str, limit: int = 5) -> LookupResult:
        return self.current(session).lookup(query, limit)
