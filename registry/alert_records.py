"""What handlers and the alert worker see of subscriptions and change-log rows: plain
frozen records built by the registry, so nothing outside ``registry/`` holds an ORM type
or runs a query (``tests/test_architecture.py`` checks it).

``ChangeKind`` (the change log's vocabulary) and ``utcnow`` (the registry's clock) are
offered here for the same reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from registry.models import Change, ChangeKind, Subscription, utcnow
from registry.subscriptions import SubscriptionKind, subscription_kind

__all__ = [
    "ChangeKind",
    "ChangeRecord",
    "SubscriptionRecord",
    "change_records",
    "subscription_records",
    "utcnow",
]


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """One channel's subscription as a handler reads it."""

    id: int
    platform: str
    channel_id: str
    topic: str
    kind: SubscriptionKind
    list_id: str | None
    entity_id: int | None
    watch_name: str | None
    verdict: str | None  # the verdict the channel was last told (watches)
    paused_at: dt.datetime | None
    paused_reason: str | None

    @classmethod
    def of(cls, sub: Subscription) -> SubscriptionRecord:
        return cls(
            id=sub.id,
            platform=sub.platform,
            channel_id=sub.channel_id,
            topic=sub.topic,
            kind=subscription_kind(sub),
            list_id=sub.list_id,
            entity_id=sub.entity_id,
            watch_name=sub.watch_name,
            verdict=sub.verdict,
            paused_at=sub.paused_at,
            paused_reason=sub.paused_reason,
        )


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One change-log row (``registry.changelog``)."""

    id: int
    at: dt.datetime
    kind: str  # a ChangeKind
    entity_id: int | None
    import_run_id: int | None
    source_file: str | None
    detail: Mapping[str, Any]

    @classmethod
    def of(cls, change: Change) -> ChangeRecord:
        return cls(
            id=change.id,
            at=change.at,
            kind=change.kind,
            entity_id=change.entity_id,
            import_run_id=change.import_run_id,
            source_file=change.source_file,
            detail=dict(change.detail or {}),
        )


def subscription_records(subs: Iterable[Subscription]) -> list[SubscriptionRecord]:
    return [SubscriptionRecord.of(s) for s in subs]


def change_records(changes: Iterable[Change]) -> list[ChangeRecord]:
    return [ChangeRecord.of(c) for c in changes]
