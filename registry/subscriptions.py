"""Channel subscriptions: what each channel follows (everything, a list, an organisation
or a name), made, resumed, paused and removed. Planning what a subscription is owed is
``registry.alert_planning``'s; sending it, ``registry.outbox``'s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.models import (
    Change,
    Designation,
    Subscription,
    utcnow,
)
from registry.resolution.joins import token_key


class SubscriptionKind(StrEnum):
    """What a subscription follows, as ``Subscription.kind`` stores it."""

    ALL = "all"  # everything new in the registry
    LIST = "list"  # listings on, and removals from, one list
    WATCH = "watch"  # one organisation (its parents and subsidiaries), or a name not held yet


# ``Subscription.topic`` prefixes: the stored forms are "all", "list:<list id>",
# "entity:<entity id>" and "name:<name key>". Rows written before these types keep working:
# the strings are the ones handlers used to build.
_LIST, _ENTITY, _NAME = "list:", "entity:", "name:"


@dataclass(frozen=True)
class Topic:
    """What one subscription of a channel follows; its ``stored`` form is unique per
    channel (``Subscription.topic``). Build one with ``everything``, ``of_list``,
    ``of_entity`` or ``of_name``; read one back with ``parse``."""

    kind: SubscriptionKind
    list_id: str | None = None
    entity_id: int | None = None
    name_key: str | None = None  # a name watch: the name's key (``token_key``)

    @classmethod
    def everything(cls) -> Topic:
        return cls(SubscriptionKind.ALL)

    @classmethod
    def of_list(cls, list_id: str) -> Topic:
        return cls(SubscriptionKind.LIST, list_id=list_id)

    @classmethod
    def of_entity(cls, entity_id: int) -> Topic:
        return cls(SubscriptionKind.WATCH, entity_id=entity_id)

    @classmethod
    def of_name(cls, name: str) -> Topic:
        """A name watched before (or without) an organisation holding it: spellings with
        the same key are one topic."""
        return cls(SubscriptionKind.WATCH, name_key=token_key(name))

    @property
    def stored(self) -> str:
        if self.kind is SubscriptionKind.ALL:
            return SubscriptionKind.ALL.value
        if self.kind is SubscriptionKind.LIST:
            return f"{_LIST}{self.list_id}"
        if self.entity_id is not None:
            return f"{_ENTITY}{self.entity_id}"
        return f"{_NAME}{self.name_key}"

    @classmethod
    def parse(cls, stored: str) -> Topic:
        """The topic a stored ``Subscription.topic`` names (``ValueError`` if none)."""
        if stored == SubscriptionKind.ALL.value:
            return cls.everything()
        if stored.startswith(_LIST):
            return cls.of_list(stored.removeprefix(_LIST))
        if stored.startswith(_ENTITY) and stored.removeprefix(_ENTITY).isdigit():
            return cls.of_entity(int(stored.removeprefix(_ENTITY)))
        if stored.startswith(_NAME):
            return cls(SubscriptionKind.WATCH, name_key=stored.removeprefix(_NAME))
        raise ValueError(f"not a subscription topic: {stored!r}")


def subscription_kind(sub: Subscription) -> SubscriptionKind:
    """The kind of a stored subscription."""
    return SubscriptionKind(sub.kind)


def latest_change_id(session: Session) -> int:
    return session.scalar(select(func.max(Change.id))) or 0


def known_lists(session: Session) -> dict[str, str]:
    rows = session.execute(select(Designation.list_id, Designation.list_name).distinct())
    return dict(rows.all())


def find_subscription(
    session: Session, platform: str, channel_id: str, topic: Topic
) -> Subscription | None:
    return session.scalars(
        select(Subscription).where(
            Subscription.platform == platform,
            Subscription.channel_id == channel_id,
            Subscription.topic == topic.stored,
        )
    ).first()


def subscribe(
    session: Session,
    *,
    platform: str,
    channel_id: str,
    topic: Topic,
    team_id: str | None = None,
    watch_name: str | None = None,
    created_by: str | None = None,
    conversation: dict[str, Any] | None = None,
    verdict: str | None = None,
) -> tuple[Subscription, bool]:
    """Create the subscription, or resume a paused one; returns (subscription, created).
    Its kind, list and organisation are the topic's; ``watch_name`` is the name a watch
    was asked for (shown, and read for a name watch)."""
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
        topic=topic.stored,
        kind=topic.kind.value,
        list_id=topic.list_id,
        entity_id=topic.entity_id,
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


def unsubscribe(session: Session, platform: str, channel_id: str, topics: Iterable[Topic]) -> int:
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
