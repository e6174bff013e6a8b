"""The sorted-array multimaps under the name index."""

from __future__ import annotations

import numpy as np

from registry.lookup.tables import IntMultimap, contains, str_key


def test_values_keep_their_order_across_freezes_and_recent_additions() -> None:
    table = IntMultimap()
    for value in (3, 5, 9):
        table.add(str_key("huaxin"), value)
    table.add(str_key("hongyong"), 4)
    assert table.get(str_key("huaxin")).tolist() == []  # not frozen yet: nothing to search
    table.freeze()
    assert table.get(str_key("huaxin")).tolist() == [3, 5, 9]
    table.add(str_key("huaxin"), 12)  # after the freeze: found at once, in order
    assert table.get(str_key("huaxin")).tolist() == [3, 5, 9, 12]
    table.freeze()
    assert table.get(str_key("huaxin")).tolist() == [3, 5, 9, 12]
    assert table.get(str_key("absent")).tolist() == []
    assert len(table) == 5


def test_remapped_renumbers_and_drops() -> None:
    table = IntMultimap(small_keys=True)
    for key, value in ((7, 0), (7, 1), (2, 2), (7, 3)):
        table.add(key, value)
    remap = np.array([0, -1, 1, 2], np.int32)  # record 1 retired
    out = table.remapped(remap)
    assert out.get(7).tolist() == [0, 2]
    assert out.get(2).tolist() == [1]
    assert table.get(7).tolist() == [0, 1, 3]  # the original is untouched


def test_contains() -> None:
    found = contains(np.array([2, 5, 9], np.int32), np.array([1, 2, 9, 10], np.int32))
    assert found.tolist() == [False, True, True, False]
    assert contains(np.array([], np.int32), np.array([1], np.int32)).tolist() == [False]


def test_get_many_is_get_of_each_key_recent_additions_included() -> None:
    rng = np.random.default_rng(5)
    for small_keys in (False, True):
        table = IntMultimap(small_keys=small_keys)
        keys = [int(k) for k in rng.integers(0, 2**31 - 1, 60)]
        for value, key in enumerate(rng.choice(keys, 400).tolist()):
            table.add(key, value)
        table.freeze()
        for value, key in enumerate(rng.choice(keys, 20).tolist(), start=400):
            table.add(key, value)  # after the freeze: in the recent dict
        asked = [*keys[:30], 12345, keys[0], 2**31 - 2]  # absent keys and a repeat
        many = table.get_many(asked)
        assert [m.tolist() for m in many] == [table.get(k).tolist() for k in asked]
        assert any(len(m) > 1 for m in many) and any(len(m) == 0 for m in many)
    assert IntMultimap().get_many([]) == []
