"""``/mcf sources``: the lists the registry loads, each with its edition and meaning."""

from __future__ import annotations

import datetime as dt

from handlers.context import Services
from handlers.replies import ListView, SourcesReply, SyncView
from registry.catalog import rules
from registry.db import unit_of_work
from registry.editions import list_statuses
from registry.native_coverage import chinese_names_by_list
from registry.sync.state import SourceSync, sync_view
from registry.views import lists_loaded

# An edition's age is said in days under this many days, else in months, then years.
DAYS_SAID = 60
MONTHS_SAID = 24


def edition_age(edition: str | None, today: dt.date | None = None) -> str | None:
    """ "4 years old", "3 months old", "12 days old" for a dated edition; None otherwise."""
    try:
        day = dt.date.fromisoformat(edition or "")
    except ValueError:
        return None
    days = ((today or dt.date.today()) - day).days
    if days < 0:
        return None
    if days < DAYS_SAID:
        return f"{days} day{'s' if days != 1 else ''} old"
    months = days * 12 // 365
    if months < MONTHS_SAID:
        return f"{months} months old"
    return f"{days // 365} years old"


def sources(services: Services) -> SourcesReply:
    with unit_of_work(services.registry.sessions) as session:
        statuses = list_statuses(session)
        chinese = chinese_names_by_list(session)
        checked = lists_loaded(session)
        synced = {
            list_id: v for v in sync_view(session, services.sync) for list_id in v.source.lists
        }
    return SourcesReply(
        tuple(
            ListView(
                id=s.info.id,
                name=s.info.name,
                authority=s.info.authority,
                legal_basis=s.info.legal_basis.title,
                legal_basis_url=s.info.legal_basis.url,
                effect=s.info.effect,
                legal=s.info.legal,
                completeness=s.info.completeness,
                licence=s.info.licence,
                edition=s.edition,
                parties=s.parties,
                listed_now=s.listed_now,
                last_import=_when(s.last_import),
                sync=_sync(synced[s.info.id]) if s.info.id in synced else None,
                chinese_names=chinese.get(s.info.id, 0),
                age=edition_age(s.edition),
                rates=s.info.rates,
            )
            for s in statuses
        ),
        checked,
        rules(),
    )


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _sync(v: SourceSync) -> SyncView:
    return SyncView(
        source=v.source.id,
        urls=v.urls,
        last_attempt=_when(v.last_attempt),
        last_change=_when(v.last_change),
        edition=v.edition,
        last_error=v.last_error,
        failures=v.failures,
        failing=v.failing,
    )
