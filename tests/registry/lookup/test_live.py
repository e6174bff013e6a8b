"""The live index checks the change log at most once per refresh interval."""

from __future__ import annotations

from registry import store
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.lookup.live import LiveIndex
from registry.service import Registry


def test_changes_are_seen_once_the_interval_has_passed(bundled_registry: Registry) -> None:
    now = [0.0]
    live = LiveIndex(refresh_interval=1.0, clock=lambda: now[0])
    with unit_of_work(bundled_registry.sessions) as session:
        live.current(session)
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Zyxwv Search Holdings")
    now[0] = 0.5
    with unit_of_work(bundled_registry.sessions) as session:
        assert live.lookup(session, "Zyxwv Search Holdings").status is MatchStatus.NONE
    now[0] = 1.5
    with unit_of_work(bundled_registry.sessions) as session:
        assert live.lookup(session, "Zyxwv Search Holdings").status is MatchStatus.MATCH
