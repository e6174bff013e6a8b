"""What ``mcf-bot sources`` and the App Home show of the sync: per source, its last
attempt, last change, edition and last error, and whether it keeps failing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.catalog import SyncSource, sync_sources
from registry.models import SyncState, utcnow
from registry.sync.options import SyncOptions

# Failures in a row after which a source is reported as failing (a warning in the log and
# a line on the App Home): one failed pass is a publisher's bad hour, three are a problem.
FAILING_AFTER = 3


@dataclass(frozen=True)
class SourceSync:
    """A source's sync state for ``mcf-bot sources`` and the App Home."""

    source: SyncSource
    urls: tuple[str, ...]  # in use: the catalogue's, or the MCF_SYNC_URL_* override
    last_attempt: dt.datetime | None
    last_success: dt.datetime | None
    last_change: dt.datetime | None
    edition: str | None
    last_error: str | None
    failures: int

    @property
    def failing(self) -> bool:
        return self.failures >= FAILING_AFTER


def sync_view(session: Session, options: SyncOptions) -> list[SourceSync]:
    """Every sync source of the catalogue with its state (empty where never synced)."""
    states = {s.source: s for s in session.scalars(select(SyncState))}
    out = []
    for source in sync_sources().values():
        state = states.get(source.id)
        out.append(
            SourceSync(
                source=source,
                urls=tuple(options.url(f) for f in source.files),
                last_attempt=state.last_attempt_at if state else None,
                last_success=state.last_success_at if state else None,
                last_change=state.last_change_at if state else None,
                edition=state.edition if state else None,
                last_error=state.last_error if state else None,
                failures=state.failures if state else 0,
            )
        )
    return out


def failing_sources(session: Session) -> list[SyncState]:
    """Sources failing ``FAILING_AFTER`` or more times in a row, for the App Home."""
    return list(
        session.scalars(
            select(SyncState).where(SyncState.failures >= FAILING_AFTER).order_by(SyncState.source)
        )
    )


def oldest_attempt(session: Session, sources: Sequence[SyncSource]) -> dt.datetime | None:
    """When the least recently tried of ``sources`` was tried; None if one never was."""
    ids = [s.id for s in sources]
    tried = dict(
        session.execute(
            select(SyncState.source, SyncState.last_attempt_at).where(SyncState.source.in_(ids))
        ).all()
    )
    times = [tried.get(i) for i in ids]
    known = [t for t in times if t is not None]
    if len(known) < len(times):
        return None
    return min(known)


def seconds_until_due(session: Session, sources: Sequence[SyncSource], interval_s: float) -> float:
    """How long until the least recently tried of ``sources`` is ``interval_s`` old (0 or
    less: due now, as when one was never tried)."""
    oldest = oldest_attempt(session, sources)
    return 0.0 if oldest is None else interval_s - (utcnow() - oldest).total_seconds()
