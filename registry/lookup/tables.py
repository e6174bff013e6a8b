"""Compact integer multimaps for the name index.

A million names give millions of postings, exact keys and typo variants. As Python dicts
of lists they cost ~150 bytes an entry (3 GB at 1M names); here an entry is two numbers in
sorted NumPy arrays (12 bytes), found with a binary search. Entries added after the
arrays were sorted (a refresh from the change log) wait in a small dict until the next
``freeze``. String keys are stored as their 64-bit hash: two keys sharing a hash would
only add a candidate, which the index scores (and so rejects) like any other.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
EMPTY: IntArray = np.empty(0, np.int32)


class IntMultimap:
    """Integer key -> int32 values, in the order they were added (ascending for postings)."""

    def __init__(self, *, small_keys: bool = False) -> None:
        # Word ids fit in 32 bits; hashes need 64.
        self._key_code = "i" if small_keys else "q"
        self._key_type = np.int32 if small_keys else np.int64
        self._keys: npt.NDArray[np.signedinteger[Any]] = np.empty(0, self._key_type)
        self._vals = EMPTY
        self._new_keys = array(self._key_code)
        self._new_vals = array("i")
        self._recent: dict[int, list[int]] = {}
        self.frozen = False

    def __len__(self) -> int:
        return len(self._keys) + len(self._new_keys)

    def add(self, key: int, value: int) -> None:
        self._new_keys.append(key)
        self._new_vals.append(value)
        if self.frozen:
            self._recent.setdefault(key, []).append(value)

    def get(self, key: int) -> IntArray:
        # The key as the array's own type: searchsorted would otherwise convert the
        # whole array (10M entries at a million names) to compare.
        typed = self._key_type(key)
        keys = self._keys
        lo = int(keys.searchsorted(typed, "left"))
        # Most keys asked are absent (typo variants): one search tells.
        if lo < len(keys) and keys[lo] == typed:
            found = self._vals[lo : int(keys.searchsorted(typed, "right"))]
        else:
            found = EMPTY
        return self._with_recent(key, found)

    def get_many(self, keys: Sequence[int]) -> list[IntArray]:
        """``get`` of each key, with two searches of the arrays for them all: a query
        looks up a dozen keys at a time (a word's typo variants), and each NumPy call
        costs more than its search."""
        typed = np.array(keys, self._key_type)
        starts = self._keys.searchsorted(typed, "left").tolist()
        ends = self._keys.searchsorted(typed, "right").tolist()
        vals = self._vals
        found = [vals[a:b] if a < b else EMPTY for a, b in zip(starts, ends, strict=True)]
        if self._recent:
            found = [self._with_recent(key, f) for key, f in zip(keys, found, strict=True)]
        return found

    def _with_recent(self, key: int, found: IntArray) -> IntArray:
        """``found`` with what was added under ``key`` since the last freeze."""
        recent = self._recent.get(key)
        if recent:
            return np.concatenate((found, np.array(recent, np.int32)))
        return found

    def freeze(self) -> None:
        """Sort everything added since the last freeze into the arrays."""
        if self._new_keys:
            new_keys = np.frombuffer(self._new_keys, self._key_type)
            new_vals = np.frombuffer(self._new_vals, np.int32)
            self._sort(
                np.concatenate((self._keys, new_keys)), np.concatenate((self._vals, new_vals))
            )
            del new_keys, new_vals  # release the buffers before the arrays are dropped
            self._new_keys, self._new_vals, self._recent = array(self._key_code), array("i"), {}
        self.frozen = True

    @property
    def small_keys(self) -> bool:
        return self._key_code == "i"

    def arrays(self) -> tuple[npt.NDArray[np.signedinteger[Any]], IntArray]:
        """The sorted keys and their values (after a freeze), e.g. to save them."""
        self.freeze()
        return self._keys, self._vals

    @classmethod
    def from_arrays(
        cls, keys: npt.NDArray[np.signedinteger[Any]], vals: IntArray, *, small_keys: bool
    ) -> IntMultimap:
        """A frozen map over arrays ``arrays`` gave (memory-mapped ones stay mapped)."""
        out = cls(small_keys=small_keys)
        out._keys, out._vals = keys, vals
        out.frozen = True
        return out

    def remapped(self, remap: IntArray) -> IntMultimap:
        """A frozen copy with every value v replaced by remap[v] (dropped where -1)."""
        self.freeze()
        vals = remap[self._vals]
        keep = vals >= 0
        out = IntMultimap(small_keys=self._key_code == "i")
        out._sort(self._keys[keep], vals[keep])
        out.frozen = True
        return out

    def _sort(self, keys: npt.NDArray[np.signedinteger[Any]], vals: IntArray) -> None:
        # Stable: a key's values keep the order they were added in.
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._vals = vals[order].astype(np.int32, copy=False)


def str_key(text: str) -> int:
    """A 63-bit key for a string, the same in every process (the index is saved and
    opened by others, so Python's per-process ``hash`` will not do): CRC-32 and Adler-32
    side by side, both in C, about 0.5 us a key."""
    data = text.encode()
    return (zlib.crc32(data) << 31) ^ zlib.adler32(data)


def contains(sorted_values: IntArray, items: IntArray) -> npt.NDArray[np.bool_]:
    """Which of ``items`` occur in ``sorted_values``."""
    if not len(sorted_values):
        return np.zeros(len(items), bool)
    at = np.searchsorted(sorted_values, items)
    at[at == len(sorted_values)] = 0
    return sorted_values[at] == items


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_ABSENT = object()


def remembered(memo: dict[K, V], key: K, bound: int, compute: Callable[..., V], *args: Any) -> V:
    """``memo[key]``, computed by ``compute(*args)`` the first time (None is remembered
    too). A full memo is emptied rather than trimmed: cheaper than an LRU, and it refills
    within minutes."""
    found = memo.get(key, _ABSENT)
    if found is _ABSENT:
        found = compute(*args)
        if len(memo) >= bound:
            memo.clear()
        memo[key] = found
    return found  # type: ignore[return-value]
