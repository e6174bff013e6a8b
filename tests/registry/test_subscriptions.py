"""Subscription kinds and topics are types (``registry.subscriptions``), stored as the same
strings handlers used to build: rows written before the types keep working, no migration."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import alert_planning, store, subscriptions
from registry.db import unit_of_work
from registry.models import Subscription
from registry.resolution import token_key
from registry.service import Registry
from registry.subscriptions import SubscriptionKind, Topic

# The stored forms as handlers wrote them before these types (and as databases hold them).
OLD_FORMS = [
    (Topic.everything(), "all", "all"),
    (Topic.of_list("us-1260h"), "list:us-1260h", "list"),
    (Topic.of_entity(42), "entity:42", "watch"),
    (
        Topic.of_name("Crimson Lotus Avionics"),
        f"name:{token_key('Crimson Lotus Avionics')}",
        "watch",
    ),
]


@pytest.mark.parametrize(("topic", "stored", "kind"), OLD_FORMS, ids=[f[1] for f in OLD_FORMS])
def test_a_topic_is_stored_as_before_and_read_back(topic: Topic, stored: str, kind: str) -> None:
    assert topic.stored == stored
    assert topic.kind.value == kind
    assert Topic.parse(stored) == topic


def test_spellings_of_one_name_are_one_topic() -> None:
    assert Topic.of_name("Crimson Lotus Avionics") == Topic.of_name("crimson  lotus AVIONICS")


@pytest.mark.parametrize("stored", ["", "everything", "entity:abc", "watch:42"])
def test_what_is_not_a_topic_is_refused(stored: str) -> None:
    with pytest.raises(ValueError, match="not a subscription topic"):
        Topic.parse(stored)


def _old_row(session, topic: str, kind: str, **fields) -> Subscription:  # type: ignore[no-untyped-def]
    """A subscription as an earlier release wrote it: plain strings."""
    sub = Subscription(platform="slack", channel_id="C1", topic=topic, kind=kind, **fields)
    session.add(sub)
    session.flush()
    return sub


def test_rows_written_before_the_types_are_found_and_removed(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        old = {
            stored: _old_row(session, stored, kind).id
            for _, stored, kind in OLD_FORMS
            if kind != "watch"
        }
        old["entity:42"] = _old_row(session, "entity:42", "watch", watch_name="Acme").id
    with unit_of_work(empty_registry.sessions) as session:
        for topic, stored, _ in OLD_FORMS[:3]:
            sub, created = subscriptions.subscribe(
                session, platform="slack", channel_id="C1", topic=topic
            )
            assert (sub.id, created) == (old[stored], False)
        removed = subscriptions.unsubscribe(
            session, "slack", "C1", [Topic.of_list("us-1260h"), Topic.of_entity(42)]
        )
        assert removed == 2
        left = subscriptions.channel_subscriptions(session, "slack", "C1")
        assert [s.topic for s in left] == ["all"]


def test_a_new_subscription_stores_the_topics_kind_list_and_organisation(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        listed, _ = subscriptions.subscribe(
            session, platform="slack", channel_id="C1", topic=Topic.of_list("us-meu")
        )
        named, _ = subscriptions.subscribe(
            session,
            platform="slack",
            channel_id="C1",
            topic=Topic.of_name("Acme"),
            watch_name="Acme",
        )
        session.flush()
        assert (listed.topic, listed.kind, listed.list_id) == ("list:us-meu", "list", "us-meu")
        assert (named.topic, named.kind, named.entity_id) == (
            f"name:{token_key('Acme')}",
            "watch",
            None,
        )
        assert subscriptions.subscription_kind(named) is SubscriptionKind.WATCH


def test_an_old_list_row_is_planned_as_a_list_subscription(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        sub_id = _old_row(session, "list:us-meu", "list", list_id="us-meu").id
        other_id = _old_row(session, "list:us-1260h", "list", list_id="us-1260h").id
        entity = store.new_entity(session, key="acme", name="Acme Avionics", kind="company")
        source = store.get_source(
            session, title="MEU list", publisher="BIS", url="https://example.org/meu"
        )
        listing = store.Listing(start=dt.date(2024, 1, 5), source=source)
        store.sync_listing(session, entity, list_id="us-meu", list_name="MEU List", listing=listing)
    with unit_of_work(empty_registry.sessions) as session:
        planned = alert_planning.pending_changes(session, session.get(Subscription, sub_id))
        assert [c.detail.get("list_id") for c in planned] == ["us-meu"]
        other = alert_planning.pending_changes(session, session.get(Subscription, other_id))
        assert other == []
