"""Is each list's copy current? Stale lists, as data, for answers, ``sources`` and the log.

A list's copy is stale when it is older than its publisher's usual rhythm (the
catalogue's ``rhythm_days``), counted from the later of its edition date and the last
successful sync of the source that feeds it: a sync that found the publisher's file
unchanged confirms the copy is current. Lists with no rhythm (statutes, research
trackers) are never stale. The words ("MEU List copy of 2022-04-21") name the edition,
never the sync, because the edition is what the answer was checked against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.catalog import catalog, sync_sources
from registry.models import SyncState

SYNC_HINT = "run `mcf-bot sync`"


@dataclass(frozen=True, slots=True)
class Stale:
    list_id: str
    short_name: str
    edition: str  # the copy's edition date, ISO
    rhythm: str  # the publisher's rhythm, in words
    age_days: int

    def words(self) -> str:
        """ "MEU List copy of 2022-04-21" """
        return f"{self.short_name} copy of {self.edition}"


def stale_lists(
    session: Session, editions: dict[str, str], today: dt.date | None = None
) -> list[Stale]:
    """The loaded lists whose copy is older than their publisher's rhythm, in catalogue
    order. ``editions``: list id -> edition date (``registry.views.list_editions``)."""
    today = today or dt.datetime.now(dt.UTC).date()
    synced = _last_synced(session)
    out = []
    for info in catalog().values():
        edition = editions.get(info.id)
        if info.rhythm_days is None or not edition:
            continue
        try:
            copy = dt.date.fromisoformat(edition[:10])
        except ValueError:
            continue
        checked = max(copy, synced.get(info.id, copy))
        if (today - checked).days > info.rhythm_days:
            out.append(
                Stale(
                    info.id,
                    info.short_name,
                    edition[:10],
                    info.rhythm or f"every {info.rhythm_days} days",
                    (today - copy).days,
                )
            )
    return out


def _last_synced(session: Session) -> dict[str, dt.date]:
    """List id -> the day its source last synced successfully."""
    by_source = {
        source: at.date()
        for source, at in session.execute(
            select(SyncState.source, SyncState.last_success_at).where(
                SyncState.last_success_at.is_not(None)
            )
        )
        if at is not None
    }
    return {
        list_id: by_source[s.id]
        for s in sync_sources().values()
        if s.id in by_source
        for list_id in s.lists
    }


def ever_synced(session: Session) -> bool:
    return (
        session.scalar(
            select(SyncState.source).where(SyncState.last_success_at.is_not(None)).limit(1)
        )
        is not None
    )


def grouped_words(stale: list[Stale]) -> tuple[str, ...]:
    """One phrase per edition date, so lists read from one file are named together:
    ("MEU List and SDN List copies of 2022-04-21", "Entity List copy of 2025-11-08")."""
    by_edition: dict[str, list[str]] = {}
    for s in stale:
        by_edition.setdefault(s.edition, []).append(s.short_name)
    out = []
    for edition, names in sorted(by_edition.items()):
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        out.append(f"{joined} cop{'y' if len(names) == 1 else 'ies'} of {edition}")
    return tuple(out)


def stale_sentence(stale: list[Stale]) -> str | None:
    """One line for answers and the log: "older than their publishers' rhythm: MEU List
    copy of 2022-04-21, NS-CMIC copy of 2021-12-16: run `mcf-bot sync`"."""
    if not stale:
        return None
    return (
        "older than their publishers' rhythm: " + "; ".join(grouped_words(stale)) + f": {SYNC_HINT}"
    )


def bundled_note(session: Session, editions: dict[str, str]) -> str | None:
    """For a registry that has never synced: how old its (bundled) data is and how to
    sync, in one line; None once any source has synced. Lists that are re-issued count
    (a statute's date says nothing about how current the copy is)."""
    if ever_synced(session):
        return None
    lists = catalog()
    dated = sorted(
        (e[:10], lists[i].short_name)
        for i, e in editions.items()
        if e and i in lists and lists[i].rhythm_days is not None
    )
    if not dated:
        return None
    (oldest, name), newest = dated[0], dated[-1][0]
    return (
        f"Note: this registry holds the bundled lists, editions of {oldest} ({name}) to "
        f"{newest}, and has never synced: run `mcf-bot sync --once` for current editions."
    )
