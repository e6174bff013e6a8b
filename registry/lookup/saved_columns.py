"""The saved name index's columns, read one entry at a time from its mapped arrays.

A process that opens a saved index of a million names decodes none of them up front:
names and words stay UTF-8 in one buffer (``StrColumn``), words are found by their key
in a sorted array (``WordIds``), and an entity's main name by binary search
(``NameRecords``). What a refresh adds after opening goes in plain containers beside them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from registry.lookup.tables import IntArray, remembered, str_key

# Saved words looked up by text are remembered, up to this many (some 10 MB).
MAX_ASKED_WORDS = 100_000


class StrColumn:
    """Strings kept as UTF-8 in one (mapped) buffer, decoded when read: a million names
    decoded up front would cost half a second and ~80 MB. Later names go in a list."""

    def __init__(self, blob: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> None:
        self._blob, self._offsets = blob, offsets
        self._base = len(offsets) - 1
        self._extra: list[str] = []

    def __len__(self) -> int:
        return self._base + len(self._extra)

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += len(self)
        if i >= self._base:
            return self._extra[i - self._base]
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        return self._blob[lo:hi].tobytes().decode()

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))

    def append(self, text: str) -> None:
        self._extra.append(text)


class WordIds:
    """Word -> id over the saved words, found by their key in a sorted array (and checked
    against the word itself, since two words may share a key); new words in a dict."""

    def __init__(self, words: StrColumn, keys: npt.NDArray[np.int64], ids: IntArray) -> None:
        self._words, self._keys, self._ids = words, keys, ids
        self._new: dict[str, int] = {}
        # Words asked before (query words and their typo variants recur): id or None.
        self._asked: dict[str, int | None] = {}

    def get(self, word: str) -> int | None:
        found = self._new.get(word)
        if found is not None:
            return found
        return remembered(self._asked, word, MAX_ASKED_WORDS, self._saved, word)

    def _saved(self, word: str) -> int | None:
        key = np.int64(str_key(word))
        keys = self._keys
        at = int(keys.searchsorted(key, "left"))
        while at < len(keys) and keys[at] == key:
            if self._words[int(self._ids[at])] == word:
                return int(self._ids[at])
            at += 1
        return None

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __setitem__(self, word: str, tid: int) -> None:
        self._new[word] = tid


class NameRecords:
    """Entity id -> record of its main name, over two sorted arrays, with changes since
    in a dict (``None``: the entity's names were retired)."""

    def __init__(self, entities: IntArray, records: IntArray) -> None:
        self._entities, self._records = entities, records
        self._changed: dict[int, int | None] = {}

    def get(self, entity_id: int, default: int | None = None) -> int | None:
        if entity_id in self._changed:
            found = self._changed[entity_id]
            return default if found is None else found
        at = int(np.searchsorted(self._entities, entity_id))
        if at < len(self._entities) and int(self._entities[at]) == entity_id:
            return int(self._records[at])
        return default

    def __setitem__(self, entity_id: int, record: int) -> None:
        self._changed[entity_id] = record

    def pop(self, entity_id: int, default: int | None = None) -> int | None:
        found = self.get(entity_id, default)
        self._changed[entity_id] = None
        return found

    def items(self) -> Iterator[tuple[int, int]]:
        for e, r in zip(self._entities.tolist(), self._records.tolist(), strict=True):
            if e not in self._changed:
                yield e, r
        for e, maybe in self._changed.items():
            if maybe is not None:
                yield e, maybe
