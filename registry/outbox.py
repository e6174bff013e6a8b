"""The outbox: leasing a channel's pending messages, and recording what became of each.

Exactly-once as the channel sees it rests on three rules:
1. Planning writes the rendered messages (outbox) and one delivery row per (subscription,
   change) in one transaction; a unique constraint makes a second plan impossible
   (``registry.alert_planning``).
2. A message is claimed with a lease (``SELECT ... FOR UPDATE SKIP LOCKED`` on
   PostgreSQL), so two workers never hold the same channel at once.
3. Before a message is sent again after a crash (``attempts > 0``), the worker looks for
   its nonce in the channel: what the platform accepted is marked sent, not re-sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from registry.models import (
    OutboxMessage,
    Subscription,
    utcnow,
)


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
    return try_lock(session, f"mcf-outbox:{platform}:{channel_id}")


def try_lock(session: Session, name: str) -> bool:
    """A transaction-scoped PostgreSQL advisory lock on ``name``, taken or refused at
    once (never waited for); always granted on SQLite, which serialises writes."""
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
