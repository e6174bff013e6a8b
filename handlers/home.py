"""The App Home: what changed in the registry lately, what the user's channels are
alerted about, and how to check names quickly (platform-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from handlers.context import Services
from handlers.subscriptions import describe
from registry import subscriptions
from registry.db import unit_of_work
from registry.sync.state import failing_sources
from registry.views import ChangeDescribed, recent_changes

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


# One change in words (``registry.views.describe_change``): the digests' wording too.
ChangeView = ChangeDescribed


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
    wanted = list(dict.fromkeys(channel_ids))
    subs = subscriptions.subscriptions_in(session, platform, wanted)
    by_channel: dict[str, list[str]] = {}
    for sub in subs:
        by_channel.setdefault(sub.channel_id, []).append(describe(session, sub))
    ordered = [c for c in wanted if c in by_channel][:MAX_CHANNELS]
    return tuple(ChannelAlerts(c, tuple(by_channel[c])) for c in ordered)
