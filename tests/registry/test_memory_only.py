"""The memory-only guard: inside ``memory_only()`` a session refuses any SQL before it
takes a connection; outside, nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from registry.memory_only import NeedsDatabase, memory_only
from registry.service import Registry


def test_the_guard_refuses_before_a_connection_is_taken(bundled_registry: Registry) -> None:
    checked_out: list[object] = []
    event.listen(bundled_registry.engine, "checkout", lambda *a: checked_out.append(a))
    with bundled_registry.sessions() as session, memory_only(), pytest.raises(NeedsDatabase):
        session.execute(text("SELECT 1"))
    assert not checked_out
    with bundled_registry.sessions() as session:  # outside the block: as ever
        assert session.execute(text("SELECT 1")).scalar_one() == 1
