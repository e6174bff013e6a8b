"""A partner list made into watches of one channel: every partner a ``watch``
subscription (``handlers.subscriptions.watch``), so the alert worker tells the channel
when a list change touches one of them, once (the existing outbox and its exactly-once
delivery). A name that could mean several organisations is left out and reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.context import ChatContext, Services
from handlers.errors import CommandError
from handlers.subscriptions import watch


@dataclass(frozen=True, slots=True)
class WatchlistImport:
    watched: tuple[str, ...]  # the notices ("Watching Baidu, Inc.")
    unclear: tuple[tuple[str, str], ...]  # (name, why) left out

    def summary(self) -> str:
        left = f"; {len(self.unclear)} left out (see above)" if self.unclear else ""
        return f"{len(self.watched)} partners watched{left}."


def import_watchlist(
    services: Services, chat: ChatContext, names: Sequence[str]
) -> WatchlistImport:
    watched, unclear = [], []
    for name in names:
        if not name.strip():
            continue
        try:
            watched.append(watch(services, chat, name, screen=True).text)
        except CommandError as exc:
            unclear.append((name, exc.message))
    return WatchlistImport(tuple(watched), tuple(unclear))
