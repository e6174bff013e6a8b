"""Planning alerts: which changes each subscription is owed, and the rendered messages
and delivery rows that carry them, written in one transaction.

Exactly-once as the channel sees it starts here: planning writes the rendered messages
(outbox) and one delivery row per (subscription, change) in one transaction, and a
unique constraint makes a second plan impossible. Sending is ``registry.outbox``'s."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from registry.changelog import settled_change_id
from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Delivery,
    Entity,
    OutboxMessage,
    Relationship,
    Subscription,
)
from registry.outbox import try_lock
from registry.resolution.joins import token_key
from registry.subscriptions import SubscriptionKind, subscription_kind

LIST_KINDS = (
    ChangeKind.DESIGNATION_ADDED.value,
    ChangeKind.DESIGNATION_REOPENED.value,
    ChangeKind.DESIGNATION_ENDED.value,
)
NAME_KINDS = (ChangeKind.ENTITY_ADDED.value, ChangeKind.NAME_ADDED.value)


def claim_subscriptions(session: Session, platform: str | None = None) -> list[Subscription]:
    """Active subscriptions this worker may plan now; others' are skipped, not awaited."""
    query = select(Subscription).where(Subscription.paused_at.is_(None)).order_by(Subscription.id)
    if platform:
        query = query.where(Subscription.platform == platform)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def channel_watches(session: Session, platform: str, channel_id: str) -> list[Subscription]:
    """A channel's active watches (its partners), oldest first, for one digest; locked on
    PostgreSQL for the planning transaction (``plan_lock`` keeps other planners away)."""
    query = (
        select(Subscription)
        .where(
            Subscription.platform == platform,
            Subscription.channel_id == channel_id,
            Subscription.kind == SubscriptionKind.WATCH.value,
            Subscription.paused_at.is_(None),
        )
        .order_by(Subscription.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.scalars(query))


def plan_lock(session: Session, platform: str, channel_id: str) -> bool:
    """PostgreSQL: one planner per channel's watches at a time (a transaction-scoped
    advisory lock, never waited for: the holder plans them). SQLite serialises writes,
    and the unique (subscription, change) delivery refuses a second plan anyway."""
    return try_lock(session, f"mcf-plan:{platform}:{channel_id}")


def remember_verdicts(session: Session, verdicts: Mapping[int, str]) -> None:
    """Store the verdict each watching channel has now been told (``Subscription.verdict``),
    in the planning transaction: the outbox message and the new verdict commit together."""
    for sub_id, verdict in verdicts.items():
        session.execute(
            update(Subscription).where(Subscription.id == sub_id).values(verdict=verdict[:40])
        )


def _watched_entities(session: Session, entity_id: int) -> set[int]:
    """The organisation, its parents and its subsidiaries."""
    ids = {entity_id}
    rows = session.execute(
        select(Relationship.subject_id, Relationship.object_id).where(
            Relationship.type == "subsidiary_of",
            or_(Relationship.subject_id == entity_id, Relationship.object_id == entity_id),
        )
    )
    for subject_id, object_id in rows:
        ids.update((subject_id, object_id))
    return ids


# Organisations whose names are read per query when a name watch looks for its own.
_NAMES_BATCH = 500


def _named(session: Session, entity_ids: Sequence[int], key: str) -> set[int]:
    """Which of ``entity_ids`` carry a name (main, native or alias) whose key is ``key``;
    a few queries per batch, not two per organisation."""
    found: set[int] = set()
    for i in range(0, len(entity_ids), _NAMES_BATCH):
        batch = entity_ids[i : i + _NAMES_BATCH]
        names = session.execute(
            select(Entity.id, Entity.name, Entity.native_name).where(Entity.id.in_(batch))
        ).all()
        found.update(e for e, name, native in names if key in (_key(name), _key(native)))
        aliases = session.execute(
            select(Alias.entity_id, Alias.name).where(Alias.entity_id.in_(batch))
        ).all()
        found.update(e for e, name in aliases if _key(name) == key)
    return found


def _key(name: str | None) -> str | None:
    return token_key(name) if name else None


def pending_changes(session: Session, sub: Subscription) -> list[Change]:
    """Changes this subscription has not had yet, oldest first, in the caller's
    transaction, which then plans them: what this returns must be enqueued in it.

    Only changes after the subscription's watermark are read, and the watermark moves to
    the change log's settled position (``changelog.settled_change_id``): an idle pass
    reads nothing old, however many changes there were since the subscription began (a
    name watch used to test every name of a 60,000-name import again at every pass).
    Changes above the settled position are read too, and again next pass until it passes
    them; the delivery rows keep them from being planned twice."""
    settled = settled_change_id(session)
    try:
        return _pending(session, sub)
    finally:
        if settled is not None and settled > (sub.scanned_to_change_id or 0):
            sub.scanned_to_change_id = settled


def _after(sub: Subscription, floor: int) -> Select[Any]:
    """Changes after ``floor`` that ``sub`` has not had, oldest first."""
    return (
        select(Change)
        .where(
            Change.id > floor,
            ~exists().where(Delivery.subscription_id == sub.id, Delivery.change_id == Change.id),
        )
        .order_by(Change.id)
    )


def _pending(session: Session, sub: Subscription) -> list[Change]:
    query = _after(sub, max(sub.start_after_change_id, sub.scanned_to_change_id or 0))
    kind = subscription_kind(sub)
    if kind is SubscriptionKind.LIST:
        query = query.where(Change.kind.in_(LIST_KINDS))
        return [c for c in session.scalars(query) if c.detail.get("list_id") == sub.list_id]
    if kind is SubscriptionKind.WATCH and sub.entity_id is None and sub.watch_name:
        # Watched as a name: the first organisation that appears under it adopts the watch,
        # and its changes since the watch began are told (read once, from the start).
        key = token_key(sub.watch_name)
        named = query.with_only_columns(Change.entity_id).where(
            Change.kind.in_(NAME_KINDS), Change.entity_id.is_not(None)
        )
        candidates = [e for e in dict.fromkeys(session.scalars(named)) if e is not None]
        matched = _named(session, candidates, key)
        adopter = next((e for e in candidates if e in matched), None)
        if adopter is None:
            return []
        sub.entity_id = adopter
        session.flush()
        query = _after(sub, sub.start_after_change_id)
    if kind is SubscriptionKind.WATCH:
        assert sub.entity_id is not None
        ids = _watched_entities(session, sub.entity_id)
        return list(session.scalars(query.where(Change.entity_id.in_(ids))))
    return list(session.scalars(query))


@dataclass(frozen=True)
class PlannedMessage:
    payload: dict[str, Any]
    change_ids: Sequence[int]


def enqueue(
    session: Session,
    sub: Subscription,
    messages: Sequence[PlannedMessage],
    owners: Mapping[int, Sequence[int]] | None = None,
) -> int:
    """Store rendered messages and the delivery rows they carry, in the caller's
    transaction. The unique (subscription, change) constraint refuses a second plan.

    ``owners``: for a digest that answers for several subscriptions of the channel (its
    watches), the subscription ids each change id is delivered to; by default ``sub``."""
    for planned in messages:
        message = OutboxMessage(
            platform=sub.platform,
            channel_id=sub.channel_id,
            subscription_id=sub.id,
            nonce=uuid.uuid4().hex,
            payload=planned.payload,
        )
        session.add(message)
        session.flush()
        if planned.change_ids:
            # Core executemany: a 200-organisation digest is 200+ rows per channel.
            session.execute(
                insert(Delivery),
                [
                    {"subscription_id": sub_id, "change_id": cid, "message_id": message.id}
                    for cid in planned.change_ids
                    for sub_id in (owners[cid] if owners is not None else (sub.id,))
                ],
            )
    return len(messages)
