"""Channel subscriptions: subscribe, watch, unwatch, unsubscribe, list."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.context import ChatContext, Services
from handlers.errors import BadInput
from handlers.replies import Level, NoticeReply
from handlers.watch_digest import verdict_now
from registry import subscriptions
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.models import Subscription
from registry.subscriptions import SubscriptionKind, Topic

# How long a change to a channel's alerts waits for another writer on SQLite (an import
# holds the lock until it commits) before answering "try again in a minute": other chat
# writes take milliseconds, and Slack wants an answer within 3 s.
CHAT_LOCK_WAIT_S = 0.5


def _here(chat: ChatContext) -> str:
    """The channel's name to start a sentence: "This channel", "Slack channel C0123"."""
    return chat.where[:1].upper() + chat.where[1:]


def _may_change(services: Services, chat: ChatContext) -> None:
    """``MCF_ALERT_ADMINS``: when set, only those users (or members of those groups) may
    change a channel's alerts; anyone may still list them."""
    admins = services.alert_admins
    if not admins or chat.user_id in admins or chat.groups & admins:
        return
    raise BadInput(
        f"Only the alert admins can change {chat.where}'s alerts.",
        "Ask one of them, or see what the channel gets with `/mcf subscriptions`.",
    )


def describe(session: Session, sub: Subscription) -> str:
    lists = subscriptions.known_lists(session)
    if sub.kind == SubscriptionKind.ALL:
        text = "everything new in the registry"
    elif sub.kind == SubscriptionKind.LIST:
        text = f"changes to the {lists.get(sub.list_id or '', sub.list_id)} (`{sub.list_id}`)"
    elif sub.entity is not None:
        text = f"changes touching {sub.entity.name}"
    else:
        text = f"“{sub.watch_name}” if it appears"
    if sub.paused_at is not None:
        text += f" (paused: {sub.paused_reason})"
    return text


def subscribe(services: Services, chat: ChatContext, list_id: str | None) -> NoticeReply:
    _may_change(services, chat)
    with unit_of_work(services.registry.sessions, lock_wait_s=CHAT_LOCK_WAIT_S) as session:
        if list_id is None:
            topic = Topic.everything()
        else:
            lists = subscriptions.known_lists(session)
            if list_id not in lists:
                known = ", ".join(f"`{k}`" for k in sorted(lists)) or "none loaded yet"
                raise BadInput(f"There is no list called `{list_id}`.", f"Lists: {known}.")
            topic = Topic.of_list(list_id)
        sub, created = subscriptions.subscribe(
            session,
            platform=chat.platform,
            channel_id=chat.channel_id,
            team_id=chat.team_id,
            topic=topic,
            created_by=chat.user_id,
            conversation=chat.conversation,
        )
        what = describe(session, sub)
    prefix = f"{_here(chat)} will now be told about" if created else "Already subscribed to"
    return NoticeReply(f"{prefix} {what}, from now on.", public=created)


def watch(services: Services, chat: ChatContext, name: str, *, screen: bool = False) -> NoticeReply:
    """Watch one organisation (or a name not held yet) from a channel. ``screen``: store
    its verdict now, so the first digest can say what it was (a partner file's import);
    a chat command leaves that to the alert worker's next pass and answers at once."""
    _may_change(services, chat)
    with unit_of_work(services.registry.sessions, lock_wait_s=CHAT_LOCK_WAIT_S) as session:
        result = services.index.lookup(session, name)
        if result.status is MatchStatus.AMBIGUOUS:
            options = "; ".join(c.name for c in result.candidates[:5])
            raise BadInput(
                f"“{name}” could mean several organisations: {options}.",
                "Watch the exact name, e.g. `/mcf watch " + result.candidates[0].name + "`.",
            )
        if result.status is MatchStatus.MATCH and result.best is not None:
            entity_id = result.best.entity_id
            # The verdict the channel starts from: a digest later says "was …, now …".
            now = verdict_now(session, entity_id) if screen else None
            _, created = subscriptions.subscribe(
                session,
                platform=chat.platform,
                channel_id=chat.channel_id,
                team_id=chat.team_id,
                topic=Topic.of_entity(entity_id),
                watch_name=name,
                created_by=chat.user_id,
                conversation=chat.conversation,
                verdict=now.level.value if now is not None else None,
            )
            return NoticeReply(
                f"Watching {result.best.name.rstrip('.')}" + ("." if created else " (already)."),
                public=created,
            )
        subscriptions.subscribe(
            session,
            platform=chat.platform,
            channel_id=chat.channel_id,
            team_id=chat.team_id,
            topic=Topic.of_name(name),
            watch_name=name,
            created_by=chat.user_id,
            conversation=chat.conversation,
            verdict=Level.NO_MATCH.value,
        )
    return NoticeReply(
        f"“{name}” is not listed today; {chat.where} will be told if it appears.", public=True
    )


def unwatch(services: Services, chat: ChatContext, name: str) -> NoticeReply:
    _may_change(services, chat)
    with unit_of_work(services.registry.sessions, lock_wait_s=CHAT_LOCK_WAIT_S) as session:
        topics = [Topic.of_name(name)]
        result = services.index.lookup(session, name)
        if result.status is MatchStatus.MATCH and result.best is not None:
            topics.append(Topic.of_entity(result.best.entity_id))
        removed = subscriptions.unsubscribe(session, chat.platform, chat.channel_id, topics)
    if not removed:
        raise BadInput(f"{_here(chat)} was not watching “{name}”.")
    return NoticeReply(f"Stopped watching “{name}”.", public=True)


def unsubscribe(services: Services, chat: ChatContext, list_id: str | None) -> NoticeReply:
    _may_change(services, chat)
    with unit_of_work(services.registry.sessions, lock_wait_s=CHAT_LOCK_WAIT_S) as session:
        subs = subscriptions.channel_subscriptions(session, chat.platform, chat.channel_id)
        topics = [Topic.parse(s.topic) for s in subs]
        if list_id is not None:
            topics = [t for t in topics if t == Topic.of_list(list_id)]
        removed = subscriptions.unsubscribe(session, chat.platform, chat.channel_id, topics)
    if not removed:
        raise BadInput(f"{_here(chat)} had no such subscription.")
    return NoticeReply(f"Removed {removed} subscription{'s' if removed != 1 else ''}.", public=True)


def list_subscriptions(services: Services, chat: ChatContext) -> NoticeReply:
    with unit_of_work(services.registry.sessions) as session:
        subs = subscriptions.channel_subscriptions(session, chat.platform, chat.channel_id)
        lines = tuple(describe(session, s) for s in subs)
    if not lines:
        return NoticeReply(f"{_here(chat)} has no alerts. Try `/mcf subscribe`.")
    return NoticeReply(f"{_here(chat)} gets:", lines)
