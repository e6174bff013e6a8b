"""The reply cache: a card is built once per change-log position and reused until then."""

from __future__ import annotations

from handlers.cache import ReplyCache
from handlers.context import Services
from handlers.lookup import lookup, warm
from registry import store
from registry.db import unit_of_work


def test_an_entry_is_built_once_per_position_and_bounded() -> None:
    cache = ReplyCache(max_entries=2)
    builds: list[int] = []

    def build(n: int) -> int:
        builds.append(n)
        return n * 10

    assert cache.get("card", 1, 5, lambda: build(1)) == 10
    assert cache.get("card", 1, 5, lambda: build(1)) == 10
    assert builds == [1]
    assert cache.get("card", 1, 6, lambda: build(1)) == 10  # the log moved: built anew
    assert builds == [1, 1]
    cache.get("card", 2, 6, lambda: build(2))
    cache.get("card", 3, 6, lambda: build(3))
    assert len(cache) == 2  # the least recently used went first


def test_a_lookup_after_a_change_shows_the_change(services: Services) -> None:
    first = lookup(services, "Baidu")
    again = lookup(services, "Baidu")
    assert again.card is first.card  # the same card object: built once
    with unit_of_work(services.registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Zyxwv Search Holdings")
    after = lookup(services, "Baidu")
    assert after.card is not None and "Zyxwv Search Holdings" in after.card.aliases


def test_warm_builds_cards_ahead_of_the_asks(services: Services) -> None:
    assert warm(services, limit=20) == 20
    hits = services.replies.hits
    lookup(services, "Baidu")  # Baidu is listed: listed organisations are warmed first
    assert services.replies.hits == hits + 1
