"""Idempotent writes: each helper adds what is missing and reports whether it did.

Importers call these so that loading the same file twice changes nothing (and so writes
no change-log rows), while a newer edition writes exactly its differences. Text from the
files (names, titles, reasons, summaries) is made inert here (``registry.text``), once,
for every importer that writes through these helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    Alias,
    Designation,
    Entity,
    Identifier,
    Merge,
    Relationship,
    Source,
)
from registry.names.aliases import empty_alias
from registry.text import clean_optional, clean_text


def get_source(
    session: Session, *, title: str, publisher: str, url: str, published: str | None = None
) -> Source:
    title, publisher, url = clean_text(title), clean_text(publisher), clean_text(url)
    cache: dict[tuple[str, str], Source] = session.info.setdefault("mcf_sources", {})
    key = (url, title)
    found = cache.get(key)
    if found is None:
        found = session.scalars(
            select(Source).where(Source.url == url, Source.title == title)
        ).first()
    if found is None:
        found = Source(title=title, publisher=publisher, url=url, published=published)
        session.add(found)
    cache[key] = found
    return found


def new_entity(
    session: Session,
    *,
    key: str,
    name: str,
    kind: str,
    native_name: str | None = None,
    country: str | None = None,
) -> Entity:
    entity = Entity(
        key=key,
        name=clean_text(name),
        kind=kind,
        native_name=clean_optional(native_name),
        country=clean_optional(country),
    )
    session.add(entity)
    return entity


def entity_by_key(session: Session, key: str) -> Entity | None:
    """The entity with this key, or the one it was merged into (old links, buttons and
    re-imports of the merged record keep finding it)."""
    found = session.scalars(select(Entity).where(Entity.key == key)).first()
    if found is not None:
        return found
    kept_id = session.scalars(
        select(Merge.kept_id)
        .where(Merge.merged_key == key, Merge.undone_at.is_(None))
        .order_by(Merge.id.desc())
    ).first()
    return session.get(Entity, kept_id) if kept_id is not None else None


def entity_ids(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """Key -> entity id for each key that names an entity, itself or through a merge."""
    wanted = set(keys)
    rows = session.execute(select(Entity.key, Entity.id).where(Entity.key.in_(wanted)))
    found = {key: entity_id for key, entity_id in rows}
    for key in wanted - found.keys():
        kept = entity_by_key(session, key)
        if kept is not None:
            found[key] = kept.id
    return found


def add_alias(
    session: Session,
    entity: Entity,
    name: str,
    *,
    lang: str | None = None,
    weak: bool = False,
    source: Source | None = None,
) -> bool:
    name = clean_text(name)
    if not name or name == entity.name or name == entity.native_name:
        return False
    if empty_alias(name, acronym=weak) is not None:
        return False  # "China" of "ETS Solutions (China)": no organisation's name
    for alias in entity.aliases:
        if alias.name == name:
            return False
    entity.aliases.append(Alias(name=name, lang=lang, weak=weak, source=source))
    return True


def add_chinese_name(
    session: Session, entity: Entity, name: str, *, source: Source, weak: bool = False
) -> bool:
    """A Chinese name as a ``zh`` alias with its source, also when it is the entity's
    native name (which ``add_alias`` skips): that alias is what sources the native name.
    A sourceless copy of the name gains the source."""
    name = clean_text(name)
    for alias in entity.aliases:
        if alias.name == name:
            if alias.source is not None and alias.lang == "zh":
                return False
            alias.source = alias.source or source
            alias.lang = "zh"
            return True
    entity.aliases.append(Alias(name=name, lang="zh", weak=weak, source=source))
    return True


def add_identifier(
    session: Session, entity: Entity, scheme: str, value: str, source: Source | None = None
) -> bool:
    if any(i.scheme == scheme and i.value == value for i in entity.identifiers):
        return False
    entity.identifiers.append(Identifier(scheme=scheme, value=value, source=source))
    return True


def entity_by_identifier(session: Session, scheme: str, value: str) -> Entity | None:
    return session.scalars(
        select(Entity)
        .join(Identifier)
        .where(Identifier.scheme == scheme, Identifier.value == value)
    ).first()


def add_relationship(
    session: Session,
    subject: Entity,
    object_: Entity,
    type_: str,
    *,
    sources: Sequence[Source],
    summary: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> bool:
    """Add the tie if it is new; cite any new source on an existing one."""
    summary = clean_optional(summary, multiline=True)
    if subject.id is not None and object_.id is not None:
        found = session.scalars(
            select(Relationship).where(
                Relationship.subject_id == subject.id,
                Relationship.object_id == object_.id,
                Relationship.type == type_,
            )
        ).first()
    else:
        found = None
    if found is not None:
        for source in sources:
            if source not in found.sources:
                found.sources.append(source)
        return False
    session.add(
        Relationship(
            subject=subject,
            object=object_,
            type=type_,
            summary=summary,
            start=start,
            end=end,
            sources=list(sources),
        )
    )
    return True


def _open_since(
    held: Iterable[Designation], start: dt.date | None, end: dt.date | None
) -> Designation | None:
    """An open period that already covers an open period restated from a later date:
    two names of one merged organisation listed in two editions are one listing."""
    if start is None or end is not None:
        return None
    return next(
        (d for d in held if d.end is None and d.start is not None and d.start < start), None
    )


@dataclass(frozen=True)
class Period:
    """One listing period as a list states it, each part cited to the edition that
    states it: the start (``source``), the reason for listing, and the end with the
    reason for the removal."""

    start: dt.date | None
    end: dt.date | None
    reason: str | None
    source: Source
    reason_source: Source | None = None
    end_reason: str | None = None
    end_source: Source | None = None


PeriodLike = Period | tuple[dt.date | None, dt.date | None, str | None, Source]


def set_designation_periods(
    session: Session,
    entity: Entity,
    *,
    list_id: str,
    list_name: str,
    periods: Sequence[PeriodLike],
) -> int:
    """Bring an entity's periods on one list in line with the list's own history.

    ``periods`` are ``Period``s (or (start, end, reason, source) tuples) as the newest
    file states them. A period already stored is matched on its start date (or is an
    open period restated from a later edition); an end date appearing on it is a
    delisting; a period with a new start date is a listing or relisting. Returns the
    number of changes made.
    """
    existing = {d.start: d for d in entity.designations if d.list_id == list_id}
    changes = 0
    list_name = clean_text(list_name)
    for given in periods:
        p = given if isinstance(given, Period) else Period(*given)
        p = replace(
            p,
            reason=clean_optional(p.reason, multiline=True),
            end_reason=clean_optional(p.end_reason, multiline=True),
        )
        reason_source = p.reason_source or (p.source if p.reason else None)
        current = existing.get(p.start) or _open_since(existing.values(), p.start, p.end)
        if current is None:
            entity.designations.append(
                Designation(
                    list_id=list_id,
                    list_name=list_name,
                    start=p.start,
                    end=p.end,
                    reason=p.reason,
                    source=p.source,
                    reason_source=reason_source,
                    end_reason=p.end_reason,
                    end_source=p.end_source if p.end else None,
                )
            )
            changes += 1
            continue
        if current.start == p.start and current.source is not p.source:
            current.source = p.source  # the citation of the start follows the file
        if current.end != p.end and p.end is not None:
            current.end = p.end
            changes += 1
        if p.end is not None and p.end == current.end:
            if p.end_source is not None and current.end_source_id != p.end_source.id:
                current.end_source = p.end_source
            if p.end_reason and current.end_reason != p.end_reason:
                current.end_reason = p.end_reason
        if p.reason and current.reason != p.reason:
            # A newer edition restating why: cite the edition that says it for the
            # reason; the start stays cited to the edition that states the start.
            current.reason = p.reason
            current.reason_source = reason_source
    return changes


@dataclass(frozen=True)
class Listing:
    """One party's entry in one edition of a list that shows current listings only."""

    start: dt.date | None
    source: Source
    citations: Sequence[Source] = ()
    licence_requirement: str | None = None
    licence_policy: str | None = None
    # The edition's date: an older edition loaded after a newer one neither reopens a
    # period the newer one closed nor restates the entry's terms (``restate``).
    as_of: dt.date | None = None
    restate: bool = True


def sync_listing(
    session: Session, entity: Entity, *, list_id: str, list_name: str, listing: Listing
) -> int:
    """Record that a current-listings edition lists ``entity``; returns changes made.

    The open period, if any, is the same listing (editions restate the entry, and may
    date it differently: the earliest known start is kept). With no open period, a new
    one starts: a listing, or a relisting after a period an earlier edition closed.
    The entry's licence terms follow the newest edition, which restates them.
    """
    periods = [d for d in entity.designations if d.list_id == list_id]
    current = next((d for d in periods if d.end is None), None)
    if listing.as_of and any(d.end and d.end > listing.as_of for d in periods):
        return 0  # a newer edition already spoke about this party
    if current is None:
        reopened = next((d for d in periods if d.start == listing.start), None)
        if reopened is not None:
            # The same entry dated as before, after an edition left it out: that edition
            # is what was wrong, so the period reopens rather than doubling.
            reopened.end, reopened.end_note, reopened.end_source = None, None, None
            current = reopened
        else:
            current = Designation(
                list_id=list_id,
                list_name=clean_text(list_name),
                start=listing.start,
                source=listing.source,
            )
            entity.designations.append(current)
        changes = 1
    else:
        changes = 0
        if listing.start and (current.start is None or listing.start < current.start):
            current.start = listing.start
    if listing.restate or changes:
        current.licence_requirement = clean_optional(listing.licence_requirement)
        current.licence_policy = clean_optional(listing.licence_policy)
    for source in listing.citations:
        if source is not current.source and source not in current.citations:
            current.citations.append(source)
    return changes


def close_listing(designation: Designation, *, end: dt.date, note: str, source: Source) -> None:
    """End an open period because an edition no longer shows it (no end date stated)."""
    designation.end = end
    designation.end_note = clean_text(note)
    designation.end_source = source
