"""A relisting is a change: an edition that reopens a period an earlier edition closed
writes a change row of its own kind, the alert says "relisted", and the change-log
position every process keys its cached cards on moves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.digests import build_digests
from registry import alert_planning, store, subscriptions
from registry.db import unit_of_work
from registry.models import Change, ChangeKind, Designation, Entity, Subscription
from registry.service import Registry
from registry.subscriptions import Topic

LIST_ID, LIST_NAME = "us-entity-list", "Entity List"
START = dt.date(2019, 10, 9)


def _listing(session, edition: str) -> store.Listing:  # type: ignore[no-untyped-def]
    source = store.get_source(
        session,
        title=f"Entity List {edition}",
        publisher="BIS",
        url=f"https://example.org/{edition}",
    )
    return store.Listing(start=START, source=source, as_of=dt.date.fromisoformat(edition))


def _edition(registry: Registry, edition: str, *, listed: bool) -> None:
    with unit_of_work(registry.sessions) as session:
        entity = session.scalars(select(Entity).where(Entity.key == "acme")).one()
        listing = _listing(session, edition)
        if listed:
            store.sync_listing(
                session, entity, list_id=LIST_ID, list_name=LIST_NAME, listing=listing
            )
        else:
            (open_period,) = [d for d in entity.designations if d.end is None]
            store.close_listing(
                open_period,
                end=dt.date.fromisoformat(edition),
                note="not in this edition",
                source=listing.source,
            )


def test_reopening_a_closed_period_is_a_relisting_change(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        store.new_entity(session, key="acme", name="Acme Semiconductor", kind="company")
    _edition(empty_registry, "2024-01-01", listed=True)
    _edition(empty_registry, "2024-06-01", listed=False)
    with unit_of_work(empty_registry.sessions) as session:
        before = subscriptions.latest_change_id(session)
        sub, _ = subscriptions.subscribe(
            session,
            platform="slack",
            channel_id="C1",
            topic=Topic.of_list(LIST_ID),
        )
        sub_id = sub.id

    _edition(empty_registry, "2025-01-01", listed=True)

    with unit_of_work(empty_registry.sessions) as session:
        (period,) = session.scalars(select(Designation)).all()
        assert period.end is None  # the same period, open again
        changes = session.scalars(select(Change).where(Change.id > before)).all()
        assert [c.kind for c in changes] == [ChangeKind.DESIGNATION_REOPENED]
        assert changes[0].detail["designation_id"] == period.id
        # Every process's cached cards are keyed on this position: it moved.
        assert subscriptions.latest_change_id(session) > before
        sub = session.get(Subscription, sub_id)
        pending = alert_planning.pending_changes(session, sub)
        assert [c.id for c in pending] == [changes[0].id]
        (digest,) = build_digests(session, sub, pending)
        (section,) = digest.sections
        assert "relisted on the Entity List" in section.heading
        assert section.entries[0].name == "Acme Semiconductor"
        assert "relisted" in section.entries[0].detail


def test_an_older_edition_after_a_newer_one_reopens_nothing(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        store.new_entity(session, key="acme", name="Acme Semiconductor", kind="company")
    _edition(empty_registry, "2024-01-01", listed=True)
    _edition(empty_registry, "2024-06-01", listed=False)
    with unit_of_work(empty_registry.sessions) as session:
        before = subscriptions.latest_change_id(session)
    _edition(empty_registry, "2024-03-01", listed=True)
    with unit_of_work(empty_registry.sessions) as session:
        assert subscriptions.latest_change_id(session) == before
