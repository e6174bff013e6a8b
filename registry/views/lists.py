"""The lists a name is checked against, each as of its own edition (what a "no finding"
answer says it checked)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.catalog import ListInfo, catalog, describe, not_held
from registry.currency import grouped_words, stale_lists
from registry.editions import edition_dates, list_statuses
from registry.models import Designation, ImportRun


@dataclass(frozen=True, slots=True)
class CheckedList:
    """One list a name is checked against, with the edition held."""

    id: str
    short_name: str
    edition: str | None  # "2025-11-08", or "FY2025" for a fiscal-year list
    complete: bool = True  # False: a sample (absence there proves little)
    legal: bool = True


@dataclass(frozen=True, slots=True)
class ListsLoaded:
    """What the registry checked a name against: its lists, each as of its own edition,
    and the well-known lists it does not hold. ``mcf-bot sources`` counts the same lists."""

    lists: tuple[CheckedList, ...]  # in catalogue order
    not_held: tuple[str, ...] = ()  # short names of well-known lists not loaded
    # Copies older than their publisher's rhythm ("MEU List copy of 2022-04-21"), grouped
    # by edition (``registry.currency``).
    stale: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.short_name for c in self.lists)

    @property
    def editions(self) -> tuple[str, ...]:
        """The dated editions among them, oldest first."""
        return tuple(sorted({c.edition for c in self.lists if c.edition}))

    @property
    def samples(self) -> tuple[str, ...]:
        return tuple(c.short_name for c in self.lists if not c.complete)

    @property
    def count(self) -> int:
        return len(self.lists)


_DATED = re.compile(r"^\d{4}(-\d\d){0,2}$")


def list_editions(session: Session) -> dict[str, str]:
    """Per list id, the date of the edition loaded: the newest publication date among
    the documents its listings cite (each list edition read is one), else the edition
    its importer recorded, where that is a date (cached for the session)."""
    cache: dict[str, str] | None = session.info.get("mcf_editions")
    if cache is not None:
        return cache
    # The same dates ``mcf-bot sources`` shows (further citations, such as a newer edition
    # that restates a listing, count).
    editions = dict(edition_dates(session))
    by_importer: dict[str, set[str]] = {}
    for source, edition in session.execute(
        select(ImportRun.source, ImportRun.edition).where(ImportRun.edition.is_not(None))
    ):
        by_importer.setdefault(source, set()).add(str(edition))
    for list_id in session.scalars(select(Designation.list_id).distinct()):
        info = describe(list_id)
        dated = sorted(
            e for e in by_importer.get(info.importer if info else "", ()) if _DATED.match(e)
        )
        if list_id not in editions and dated:
            editions[list_id] = dated[-1]
    session.info["mcf_editions"] = editions
    return editions


def lists_loaded(session: Session) -> ListsLoaded:
    """The lists a name is checked against: every list of the catalogue with at least one
    party loaded (a rating is part of the list it rates), each with its own edition, then
    lists only an FtM import knows; and the well-known lists not held (cached for the
    session). ``mcf-bot sources`` counts lists with this function too."""
    cached: ListsLoaded | None = session.info.get("mcf_lists_loaded")
    if cached is not None:
        return cached
    statuses = list_statuses(session)
    checked = [
        CheckedList(
            id=s.info.id,
            short_name=s.info.short_name,
            edition=s.edition,
            complete=s.info.completeness == "complete",
            legal=s.info.legal,
        )
        for s in statuses
        # A list read whole with no party of ours (ITAR debarred) was checked too.
        if (s.parties or s.edition) and not s.info.rates
    ]
    known = {c.id for c in checked}
    extra = session.execute(
        select(Designation.list_id, func.min(Designation.list_name))
        .where(Designation.list_id.not_in(list(catalog())))
        .group_by(Designation.list_id)
        .order_by(Designation.list_id)
    ).all()
    editions = list_editions(session)
    checked += [
        CheckedList(id=i, short_name=list_short_name(None, name), edition=editions.get(i))
        for i, name in extra
    ]
    empty = [
        s.info.short_name for s in statuses if not s.parties and not s.edition and not s.info.rates
    ]
    loaded = ListsLoaded(
        lists=tuple(checked),
        not_held=tuple(
            dict.fromkeys([*empty, *(n.short_name for n in not_held() if n.id not in known)])
        ),
        stale=grouped_words(stale_lists(session, editions)),
    )
    session.info["mcf_lists_loaded"] = loaded
    return loaded


def list_short_name(info: ListInfo | None, list_name: str) -> str:
    if info is not None:
        return info.short_name
    return list_name.split(" (category: ", 1)[0]
