"""Replies built once per registry state: a card costs several queries, and the same
organisations are asked about again and again.

An entry is keyed by what it shows (the reply kind and the entity) and by the registry
state it was built at (``NameIndex.state``: the change-log position and the newest import
run). Once the registry moves past that state every older key stops being asked for; the
bound on entries (least recently used go first) is what frees them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

# Cards are a few kilobytes each: 4,096 of them is some 10-20 MB, and covers the
# organisations a busy workspace asks about between two changes of the registry.
MAX_ENTRIES = 4096


class ReplyCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, kind: str, key: Hashable, position: Hashable, build: Callable[[], T]) -> T:
        """The entry for (kind, key) at ``position`` (the index's ``state``: change-log
        position and newest import run), built by ``build`` if absent.

        Two threads missing the same entry may both build it; the second result wins. That
        is cheaper than holding a lock across a database query."""
        full = (kind, key, position)
        with self._lock:
            found = self._entries.get(full)
            if found is not None:
                self._entries.move_to_end(full)
                self.hits += 1
                return found  # type: ignore[return-value]
            self.misses += 1
        value = build()
        with self._lock:
            self._entries[full] = value
            self._entries.move_to_end(full)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value
