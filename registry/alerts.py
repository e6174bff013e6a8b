"""Subscriptions, the outbox and delivery records: the data side of alerts.

Exactly-once as the channel sees it rests on three rules:
1. Planning writes the rendered messages (outbox) and one delivery row per (subscription,
   change) in one transaction; a unique constraint makes a second plan impossible.
2. A message is claimed with a lease (``SELECT ... FOR UPDATE SKIP LOCKED`` on
   PostgreSQL), so two workers never hold the same channel at once.
3. Before a message is sent again after a crash (``attempts > 0``), the worker looks for
   its nonce in the channel: what the platform accepted is marked sent, not re-sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.changelog import settled_change_id
from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Delivery,
    Designation,
    Entity,
    OutboxMessage,
    Relationship,
    Subscription,
    utcnow,
)
from registry.resolution.joins import token_key

LIST_KINDS = (
    ChangeKind.DESIGNATION_ADDED.value,
    ChangeKind.DESIGNATION_REOPENED.value,
    ChangeKind.DESIGNATION_ENDED.value,
)
NAME_KINDS = (ChangeKind.ENTITY_ADDED.value, ChangeKind.NAME_ADDED.value)


# -- subscriptions --------------------------------------------------------------------


def latest_change_id(session: Session) -> int:
    return session.scalar(select(func.max(Change.id))) or 0


def known_lists(session: Session) -> dict[str, str]:
    rows = session.execute(select(Designation.list_id, Designation.list_name).distinct())
    return dict(rows.all())


def find_subscription(
    session: Session, platform: str, channel_id: str, topic: str
) -> Subscription | None:
    return session.scalars(
        select(Subscription).where(
            Subscription.platform == platform,
            Subscription.channel_id == channel_id,
            Subscription.topic == topic,
        )
    ).first()


def subscribe(
    session: Session,
    *,
    platform: str,
    channel_id: str,
    topic: str,
    kind: str,
    team_id: str | None = None,
    list_id: str | None = None,
    entity_id: int | None = None,
    watch_name: str | None = None,
    created_by: str | None = None,
    conversation: dict[str, Any] | None = None,
    verdict: str | None = None,
) -> tuple[Subscription, bool]:
    """Create the subscription, or resume a paused one; returns (subscription, created)."""
    found = find_subscription(session, platform, channel_id, topic)
    if found is not None:
        if found.paused_at is not None:
            found.paused_at, found.paused_reason = None, None
        if conversation is not None:
            found.conversation = conversation
        return found, False
    fields = dict(
        platform=platform,
        team_id=team_id,
        channel_id=channel_id,
        topic=topic,
        kind=kind,
        list_id=list_id,
        entity_id=entity_id,
        watch_name=watch_name,
        created_by=created_by,
        conversation=conversation,
        verdict=verdict,
        start_after_change_id=latest_change_id(session),
    )
    try:
        # A savepoint: when the same subscription is made at the same moment elsewhere
        # (ten people in one channel), the unique topic refuses this one and theirs
        # stands, as if it had been found above.
        with session.begin_nested():
            sub = Subscription(**fields)
            session.add(sub)
    except IntegrityError:
        found = find_subscription(session, platform, channel_id, topic)
        if found is None:
            raise
        return found, False
    return sub, True


def unsubscribe(session: Session, platform: str, channel_id: str, topics: Iterable[str]) -> int:
    removed = 0
    for topic in topics:
        sub = find_subscription(session, platform, channel_id, topic)
        if sub is not None:
            session.delete(sub)
            removed += 1
    return removed


def channel_subscriptions(session: Session, platform: str, channel_id: str) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.platform == platform, Subscription.channel_id == channel_id)
            .order_by(Subscription.id)
        )
    )


def subscriptions_in(
    session: Session, platform: str, channel_ids: Sequence[str]
) -> list[Subscription]:
    """The subscriptions of several channels (a user's, for the App Home), oldest first."""
    subs: list[Subscription] = []
    wanted = list(dict.fromkeys(channel_ids))
    for i in range(0, len(wanted), 500):  # keep IN (...) lists a sane size
        subs += session.scalars(
            select(Subscription)
            .where(
                Subscription.platform == platform,
                Subscription.channel_id.in_(wanted[i : i + 500]),
            )
            .order_by(Subscription.id)
        )
    return subs


def all_subscriptions(session: Session) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.platform, Subscription.channel_id)
    return list(session.scalars(query))


def conversation_reference(session: Session, platform: str, channel_id: str) -> Any | None:
    """The newest conversation reference stored for a channel (Teams: where a proactive
    message goes), or None when no subscription there kept one."""
    return session.scalars(
        select(Subscription.conversation)
        .where(
            Subscription.platform == platform,
            Subscription.channel_id == channel_id,
            Subscription.conversation.is_not(None),
        )
        .order_by(Subscription.id.desc())
        .limit(1)
    ).first()


def pause_channel(session: Session, platform: str, channel_id: str, reason: str) -> int:
    result = session.execute(
        update(Subscription)
        .where(
            Subscription.platform == platform,
            Subscription.channel_id == channel_id,
            Subscription.paused_at.is_(None),
        )
        .values(paused_at=utcnow(), paused_reason=reason[:200])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- planning -------------------------------------------------------------------------


def claim_subscriptions(session: Session, platform: str | None = None) -> list[Subscription]:
    """Active subscriptions this worker may plan now; others' are skipped, not awaited."""
    query = select(Subscription).where(Subscription.paused_at.is_(None)).order_by(Subscription.id)
    if platform:
        query = query.where(Subscription.platform == platform)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def claim_subscription(session: Session, sub_id: int) -> Subscription | None:
    """One subscription to plan, locked on PostgreSQL for the planning transaction (None
    when another worker holds it, or it is gone)."""
    query = select(Subscription).where(Subscription.id == sub_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def channel_watches(session: Session, platform: str, channel_id: str) -> list[Subscription]:
    """A channel's active watches (its partners), oldest first, for one digest; locked on
    PostgreSQL for the planning transaction (``plan_lock`` keeps other planners away)."""
    query = (
        select(Subscription)
        .where(
            Subscription.platform == platform,
            Subscription.channel_id == channel_id,
            Subscription.kind == "watch",
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
    return _try_lock(session, f"mcf-plan:{platform}:{channel_id}")


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
    if sub.kind == "list":
        query = query.where(Change.kind.in_(LIST_KINDS))
        return [c for c in session.scalars(query) if c.detail.get("list_id") == sub.list_id]
    if sub.kind == "watch" and sub.entity_id is None and sub.watch_name:
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
    if sub.kind == "watch":
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


# -- sending --------------------------------------------------------------------------


def claim_channel(
    session: Session,
    owner: str,
    lease: dt.timedelta,
    platform: str | None = None,
    skip: Collection[str] = (),
) -> list[OutboxMessage]:
    """Lease every pending message of one channel (oldest first), or nothing; channels
    in ``skip`` (already tried in this pass) are left alone."""
    now = utcnow()
    free = or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)
    paused = (
        select(Subscription.id)
        .where(Subscription.id == OutboxMessage.subscription_id)
        .where(Subscription.paused_at.is_not(None))
    )
    first = (
        select(OutboxMessage)
        .where(OutboxMessage.state == "pending", free, ~exists(paused))
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if platform:
        first = first.where(OutboxMessage.platform == platform)
    if skip:
        first = first.where(OutboxMessage.channel_id.not_in(list(skip)))
    head = session.scalars(first).first()
    if head is None:
        return []
    if not _channel_lock(session, head.platform, head.channel_id):
        return []  # another worker is claiming this channel right now
    busy = exists().where(
        OutboxMessage.channel_id == head.channel_id,
        OutboxMessage.platform == head.platform,
        OutboxMessage.state == "pending",
        OutboxMessage.lease_until >= now,
    )
    if session.scalar(select(busy)):
        return []  # another worker is sending to this channel: keep its order intact
    channel = (
        OutboxMessage.channel_id == head.channel_id,
        OutboxMessage.platform == head.platform,
        OutboxMessage.state == "pending",
        free,
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(_locked_in_order(session, *channel)), *channel)
        .values(lease_owner=owner, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel_id == head.channel_id,
                OutboxMessage.platform == head.platform,
                OutboxMessage.state == "pending",
                OutboxMessage.lease_owner == owner,
            )
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def renew_lease(session: Session, message_id: int, owner: str, until: dt.datetime) -> bool:
    """Extend ``owner``'s lease on a pending message to ``until``, in the caller's
    transaction. False when the message is no longer ``owner``'s (another worker claimed
    it after the lease ran out) or was sent: the caller must not send it. The update is
    the check, so two workers cannot both win. One row only: a multi-row update here
    would lock rows in another order than ``claim_channel`` and deadlock with it."""
    touched = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.lease_owner == owner,
            OutboxMessage.state == "pending",
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return touched.rowcount == 1  # type: ignore[attr-defined]


def mark_attempt(session: Session, message_id: int) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(attempts=OutboxMessage.attempts + 1)
    )


def mark_sent(
    session: Session, message_id: int, remote_id: str | None, note: str | None = None
) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            state="sent",
            sent_at=utcnow(),
            remote_id=remote_id,
            lease_until=None,
            error=note[:200] if note else None,
        )
    )


def mark_refused(session: Session, message_id: int, reason: str) -> None:
    """The platform refused the message itself (too long, malformed): it is kept, with
    the reason, and the channel's later messages go on without it."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(state="refused", error=reason[:200], lease_until=None)
    )


def release(session: Session, owner: str) -> None:
    mine = (OutboxMessage.lease_owner == owner, OutboxMessage.state == "pending")
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(_locked_in_order(session, *mine)), *mine)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def _channel_lock(session: Session, platform: str, channel_id: str) -> bool:
    """PostgreSQL: one claim per channel at a time (a transaction-scoped advisory lock,
    never waited for). Locking the first row instead, as before, took a row lock out of
    id order, and two workers' claims and releases could deadlock. SQLite: writes are
    serialised anyway."""
    return _try_lock(session, f"mcf-outbox:{platform}:{channel_id}")


def _try_lock(session: Session, name: str) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = func.hashtext(name)
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def _locked_in_order(session: Session, *where: Any) -> list[int]:
    """Lock the outbox rows a multi-row update will touch, lowest id first (PostgreSQL):
    two workers' updates then wait for each other instead of deadlocking (each would
    otherwise lock rows in its own scan order)."""
    query = select(OutboxMessage.id).where(*where).order_by(OutboxMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.scalars(query))
