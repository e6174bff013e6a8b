"""The App Home: what changed in the registry lately, what the user's channels are
alerted about, and how to check names quickly (platform-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handlers.cards import OUTGOING
from handlers.context import Services
from handlers.subscriptions import describe
from registry.db import unit_of_work
from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Designation,
    Entity,
    Identifier,
    Relationship,
    Source,
    Subscription,
    relationship_sources,
)
from registry.sync.state import failing_sources

RECENT_CHANGES = 20
MAX_CHANNELS = 40  # channels shown with their alerts; a home view holds 100 blocks

HOW_TO = (
    "`/mcf Baidu`: one organisation's card, with its lists, ties and sources.",
    "`/mcf check Tsinghua University; Hikvision; 北京理工大学`: up to 50 names, one line each.",
    "On any message: *More actions (⋯) → Check organisations*: every organisation from "
    "the registry named in it, privately.",
    "In a thread: `@mcf Baidu` or `@mcf check A; B` answers in the thread.",
    "In a channel: `/mcf subscribe` or `/mcf watch Baidu` for alerts.",
)


@dataclass(frozen=True, slots=True)
class ChangeView:
    date: str  # when the registry recorded it, YYYY-MM-DD
    entity_id: int | None
    name: str
    what: str  # "added to the US DoD Section 1260H list (listed 2021-06-03)"
    source_title: str | None
    source_url: str | None


@dataclass(frozen=True, slots=True)
class ChannelAlerts:
    channel_id: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HomeReply:
    changes: tuple[ChangeView, ...]
    channels: tuple[ChannelAlerts, ...]
    # None: the user's channels could not be listed (the reason is in ``channels_note``).
    channels_known: bool = True
    channels_note: str | None = None
    how_to: tuple[str, ...] = HOW_TO
    # Sources whose sync keeps failing, one line each (for operators; never posted).
    sync_failures: tuple[str, ...] = ()


def home(
    services: Services,
    platform: str,
    channel_ids: Sequence[str] | None,
    channels_note: str | None = None,
) -> HomeReply:
    with unit_of_work(services.registry.sessions) as session:
        changes = recent_changes(session, RECENT_CHANGES)
        channels = channel_alerts(session, platform, channel_ids or ())
        failures = sync_failures(session)
    return HomeReply(
        changes,
        channels,
        channels_known=channel_ids is not None,
        channels_note=channels_note,
        sync_failures=failures,
    )


def sync_failures(session: Session) -> tuple[str, ...]:
    """One line per source whose sync has failed several times in a row."""
    return tuple(
        f"{s.source}: {s.failures} failed syncs in a row, last tried "
        f"{s.last_attempt_at:%Y-%m-%d %H:%M} UTC: {s.last_error}"
        for s in failing_sources(session)
    )


def channel_alerts(
    session: Session, platform: str, channel_ids: Sequence[str]
) -> tuple[ChannelAlerts, ...]:
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
    by_channel: dict[str, list[str]] = {}
    for sub in subs:
        by_channel.setdefault(sub.channel_id, []).append(describe(session, sub))
    ordered = [c for c in wanted if c in by_channel][:MAX_CHANNELS]
    return tuple(ChannelAlerts(c, tuple(by_channel[c])) for c in ordered)


def recent_changes(session: Session, limit: int) -> tuple[ChangeView, ...]:
    changes = list(session.scalars(select(Change).order_by(Change.id.desc()).limit(limit)))
    return tuple(_view(session, change) for change in changes)


def _view(session: Session, change: Change) -> ChangeView:
    detail = change.detail or {}
    entity = session.get(Entity, change.entity_id) if change.entity_id else None
    name = entity.name if entity else str(detail.get("name") or "(removed)")
    source: Source | None = None
    kind = change.kind
    if kind in (ChangeKind.DESIGNATION_ADDED, ChangeKind.DESIGNATION_ENDED):
        designation = session.get(
            Designation, detail.get("designation_id"), options=[selectinload(Designation.source)]
        )
        source = designation.source if designation else None
        list_name = detail.get("list_name") or "a list"
        if kind == ChangeKind.DESIGNATION_ENDED:
            what = f"removed from the {list_name} on {detail.get('end') or 'an unstated date'}"
        else:
            verb = "relisted on" if detail.get("relisted") else "added to"
            start = detail.get("start")
            what = f"{verb} the {list_name}" + (f" (listed {start})" if start else "")
    elif kind == ChangeKind.RELATIONSHIP_ADDED:
        rel = session.get(
            Relationship,
            detail.get("relationship_id"),
            options=[selectinload(Relationship.sources)],
        )
        other = session.get(Entity, detail.get("object_id")) if detail.get("object_id") else None
        sentence = OUTGOING.get(str(detail.get("type")), "is linked to")
        what = f"new tie: {sentence} {other.name if other else '?'}"
        source = rel.sources[0] if rel and rel.sources else None
    elif kind == ChangeKind.NAME_ADDED:
        alias = session.scalars(
            select(Alias).where(
                Alias.entity_id == change.entity_id, Alias.name == detail.get("name")
            )
        ).first()
        what = f"new name: {detail.get('name')}"
        source = alias.source if alias else None
    elif kind == ChangeKind.IDENTIFIER_ADDED:
        ident = session.scalars(
            select(Identifier).where(
                Identifier.scheme == detail.get("scheme"), Identifier.value == detail.get("value")
            )
        ).first()
        what = f"new code: {str(detail.get('scheme') or '').upper()} {detail.get('value')}"
        source = ident.source if ident else None
    else:
        what = "added to the registry"
        if entity is not None:
            source = (
                entity.summary_source
                or session.scalars(
                    select(Source)
                    .join(Designation, Designation.source_id == Source.id)
                    .where(Designation.entity_id == entity.id)
                    .order_by(Designation.id)
                ).first()
                or session.scalars(
                    select(Source)
                    .join(relationship_sources, relationship_sources.c.source_id == Source.id)
                    .join(Relationship, Relationship.id == relationship_sources.c.relationship_id)
                    .where(
                        (Relationship.subject_id == entity.id)
                        | (Relationship.object_id == entity.id)
                    )
                    .order_by(Relationship.id)
                ).first()
            )
    title = source.title if source else _file_name(change.source_file)
    return ChangeView(
        date=change.at.date().isoformat(),
        entity_id=change.entity_id,
        name=name,
        what=what,
        source_title=title,
        source_url=source.url if source else None,
    )


def _file_name(path: str | None) -> str | None:
    return path.replace("\\", "/").rsplit("/", 1)[-1] if path else None
