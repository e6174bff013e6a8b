"""A digest split over several messages answers for each change exactly once."""

from __future__ import annotations

from handlers.digests import Digest, changes_per_part


def test_each_change_belongs_to_one_part_and_unlisted_ones_to_the_first() -> None:
    digest = Digest("Registry update", (), change_ids=(1, 2, 3, 4, 5))
    # Change 3 shows in two parts (a section continued); change 5 has no line of its own.
    owned = changes_per_part(digest, [{1, 2, 3}, {3, 4}])
    assert owned == [[1, 2, 3, 5], [4]]
    assert sorted(c for part in owned for c in part) == [1, 2, 3, 4, 5]
