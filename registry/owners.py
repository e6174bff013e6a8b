"""The path to the nearest listed owner: who owns or controls an organisation, up the
chain, until a body with a listing of legal effect.

A path follows ownership and control ties only (``CONTROL_TIES``: the organisation is the
subject, its owner or supervisor the object), at most ``MAX_HOPS`` of them, and ends at the
first organisation on a legal list (the catalogue's ``legal``; research trackers do not
count). The shortest path wins; between paths of one length, the one with more ownership
hops (``subsidiary_of``), then the one through the names first in alphabetical order, so
the answer does not depend on row order. Each hop keeps its sources. The ownership rules
of the catalogue (``registry.catalog.rules``) that reach the last organisation's lists are
attached when every hop is ownership: a supervisor does not own what it supervises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.catalog import OwnershipRule, describe, fiscal_years, rules_for, years_lists
from registry.models import Designation, Relationship, Source
from registry.relation_types import CONTROL_TYPES, OWNERSHIP_TYPES, relation_type

# Ties that carry ownership or control upwards (the relation-type table's ``ownership``
# and ``control``).
OWNERSHIP_TIES = OWNERSHIP_TYPES
CONTROL_TIES = CONTROL_TYPES
# Four hops reach from a lab or a second-tier subsidiary to a conglomerate's parent and
# its supervisor; beyond that a chain says little about who is in charge.
MAX_HOPS = 4


@dataclass(frozen=True, slots=True)
class Hop:
    from_id: int
    from_name: str
    to_id: int
    to_name: str
    type: str
    sources: tuple[int, ...]  # numbers into the card's sources

    @property
    def words(self) -> str:
        """What the hop says, in our words: "<from> is <words> <to>"."""
        return relation_type(self.type).hop


@dataclass(frozen=True, slots=True)
class ListedAs:
    """One current listing of the organisation a path ends at."""

    list_id: str
    short_name: str
    start: str | None  # YYYY-MM-DD; None where the list gives no day
    years: str | None = None  # a fiscal-year list's years ("FY2022–FY2025"), never a day

    def words(self) -> str:
        """ "the Entity List since 2020-12-18", "the DoD 1286 (FY2023–FY2025 lists)"."""
        if self.years:
            return f"the {self.short_name} ({years_lists(self.years)})"
        if self.start:
            return f"the {self.short_name} since {self.start}"
        return f"the {self.short_name}"


@dataclass(frozen=True, slots=True)
class OwnerPath:
    hops: tuple[Hop, ...]
    listed: tuple[ListedAs, ...]  # the last organisation's listings of legal effect
    # The catalogue's ownership rules reaching this path (ownership paths only).
    rules: tuple[OwnershipRule, ...] = ()

    @property
    def owner_id(self) -> int:
        return self.hops[-1].to_id

    @property
    def owner_name(self) -> str:
        return self.hops[-1].to_name

    @property
    def ownership(self) -> bool:
        """Every hop is ownership (``subsidiary_of``), not only control."""
        return all(h.type in OWNERSHIP_TIES for h in self.hops)

    def listing_words(self) -> str:
        """ "on the Entity List since 2020-12-18 and the DoD 1260H since 2021-06-03"."""
        return "on " + " and ".join(x.words() for x in self.listed)

    def words(self) -> str:
        """The path as the ``tied`` verdict says it: "a subsidiary of X, a subsidiary of
        Y — on the Entity List since …" (plain text; renderers escape it)."""
        chain = ", ".join(f"{h.words} {h.to_name}" for h in self.hops)
        return f"{chain} — {self.listing_words()}"


def _legal_listings(session: Session, ids: set[int], today: dt.date) -> dict[int, list[ListedAs]]:
    """Current listings of legal effect of ``ids``: on a legal list of the catalogue, not
    ended, and in force (a statute's later effective date is not yet a listing)."""
    found: dict[int, list[ListedAs]] = {}
    rows = session.execute(
        select(Designation.entity_id, Designation.list_id, Designation.list_name, Designation.start)
        .where(Designation.entity_id.in_(ids), Designation.end.is_(None))
        .order_by(Designation.start, Designation.list_id)
    )
    for entity_id, list_id, list_name, start in rows:
        info = describe(list_id)
        if info is None or not info.legal or (start is not None and start > today):
            continue
        listed = found.setdefault(entity_id, [])
        if all(x.list_id != list_id for x in listed):
            # A fiscal-year list's start is the first year's first day, which no
            # publisher stated: its years instead.
            years = fiscal_years(list_name, info)
            day = start.isoformat() if start and years is None else None
            listed.append(ListedAs(list_id, info.short_name, day, years))
    return found


def nearest_listed_owner(
    session: Session,
    entity_id: int,
    number: Callable[[Source], int],
    today: dt.date | None = None,
) -> OwnerPath | None:
    """The shortest chain of ``CONTROL_TIES`` from ``entity_id`` up to an organisation
    with a listing of legal effect, or None within ``MAX_HOPS``. ``number`` gives each
    source its number on the card (``registry.views``)."""
    today = today or dt.date.today()
    # node -> (hops so far, the tie that reached it); the start has no tie.
    best: dict[int, tuple[tuple[Relationship, ...], tuple[int, str]]] = {entity_id: ((), (0, ""))}
    frontier = {entity_id}
    for _ in range(MAX_HOPS):
        ties = session.scalars(
            select(Relationship)
            .where(Relationship.subject_id.in_(frontier), Relationship.type.in_(CONTROL_TIES))
            .options(selectinload(Relationship.sources), selectinload(Relationship.object))
        ).all()
        reached: dict[int, tuple[tuple[Relationship, ...], tuple[int, str]]] = {}
        for tie in ties:
            if tie.object_id in best:
                continue  # met at this length or shorter already (and no cycles)
            before, (weak, names) = best[tie.subject_id]
            rank = (weak + (tie.type not in OWNERSHIP_TIES), names + tie.object.name.casefold())
            if tie.object_id not in reached or rank < reached[tie.object_id][1]:
                reached[tie.object_id] = ((*before, tie), rank)
        if not reached:
            return None
        best.update(reached)
        listed = _legal_listings(session, set(reached), today)
        if listed:
            owner = min(listed, key=lambda i: reached[i][1])
            return _path(reached[owner][0], tuple(listed[owner]), number)
        frontier = set(reached)
    return None


def _path(
    ties: tuple[Relationship, ...], listed: tuple[ListedAs, ...], number: Callable[[Source], int]
) -> OwnerPath:
    hops = tuple(
        Hop(
            from_id=t.subject_id,
            from_name=t.subject.name,
            to_id=t.object_id,
            to_name=t.object.name,
            type=t.type,
            sources=tuple(number(s) for s in t.sources),
        )
        for t in ties
    )
    path = OwnerPath(hops, listed)
    if path.ownership:
        path = OwnerPath(hops, listed, rules_for(x.list_id for x in listed))
    return path
