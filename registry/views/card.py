"""One organisation's card: its lists, ties, identifiers and numbered sources, as plain
values."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from registry.catalog import describe
from registry.models import Alias, Designation, Entity, Identifier, Relationship
from registry.owners import OwnerPath, nearest_listed_owner
from registry.relation_types import Direction, relation_type
from registry.views.designations import RATINGS, DesignationView, designation_views
from registry.views.lists import ListsLoaded, list_short_name, lists_loaded
from registry.views.names import LATIN, latin_names, pinyin
from registry.views.sources import Numbering, SourceRef


@dataclass(frozen=True, slots=True)
class RelationshipView:
    type: str
    direction: str  # "out": this entity is the subject; "in": it is the object
    sentence: str  # "is a subsidiary of", "has a joint lab with" ...
    other_id: int
    other_name: str
    summary: str | None
    start: str | None
    end: str | None
    sources: tuple[int, ...]
    other_listed: bool = False  # the other organisation is on a list with legal effect today
    other_lists: tuple[str, ...] = ()  # short names of those lists
    other_tracked: tuple[str, ...] = ()  # research trackers naming it (no legal effect)
    # For a body named only in Chinese: a Latin-script name a source gives it, else our
    # pinyin transliteration (``other_pinyin``), which the card marks as ours.
    other_english: str | None = None
    other_pinyin: str | None = None

    @property
    def strength(self) -> tuple[bool, int, str]:
        """Sort key, strongest first: ties to listed bodies, then by type."""
        rank = relation_type(self.type).reading(self.direction).rank
        return (not self.other_listed, rank, self.other_name.casefold())


@dataclass(frozen=True, slots=True)
class IdentifierView:
    scheme: str  # "uscc", "ofac", ...
    value: str
    source: int | None


@dataclass(frozen=True, slots=True)
class EntityCard:
    id: int
    key: str
    name: str
    native_name: str | None
    kind: str
    country: str | None
    aliases: tuple[str, ...]
    summary: str | None
    summary_sources: tuple[int, ...]
    designations: tuple[DesignationView, ...]
    relationships: tuple[RelationshipView, ...]  # strongest first
    sources: tuple[SourceRef, ...]
    identifiers: tuple[IdentifierView, ...] = ()
    checked: ListsLoaded | None = None
    # The shortest chain of ownership/control ties to a listed organisation (``registry.owners``).
    owner_path: OwnerPath | None = None
    native_name_sources: tuple[int, ...] = ()  # where the Chinese name is written

    @property
    def listed_on(self) -> list[DesignationView]:
        return [d for d in self.designations if d.active]


def entity_card(session: Session, entity_id: int) -> EntityCard | None:
    """One organisation's card, or None when it is no longer in the registry."""
    entity = session.scalars(
        select(Entity)
        .where(Entity.id == entity_id)
        .options(
            selectinload(Entity.aliases).selectinload(Alias.source),
            selectinload(Entity.identifiers).selectinload(Identifier.source),
            selectinload(Entity.designations).selectinload(Designation.source),
            selectinload(Entity.designations).selectinload(Designation.citations),
            selectinload(Entity.designations).selectinload(Designation.reason_source),
            selectinload(Entity.designations).selectinload(Designation.end_source),
            selectinload(Entity.summary_source),
        )
    ).first()
    if entity is None:
        return None
    numbering = Numbering()
    designations = designation_views(session, entity, numbering)

    ties = session.scalars(
        select(Relationship)
        .where(or_(Relationship.subject_id == entity.id, Relationship.object_id == entity.id))
        .options(
            selectinload(Relationship.sources),
            selectinload(Relationship.subject),
            selectinload(Relationship.object),
        )
    ).all()
    others = {rel.object_id if rel.subject_id == entity.id else rel.subject_id for rel in ties}
    other_lists: dict[int, list[str]] = {}
    other_tracked: dict[int, list[str]] = {}
    for other_id, list_id, list_name in session.execute(
        select(Designation.entity_id, Designation.list_id, Designation.list_name).where(
            Designation.entity_id.in_(others), Designation.end.is_(None)
        )
    ):
        if list_id in RATINGS:  # shown with the list it rates
            continue
        info = describe(list_id)
        short = list_short_name(info, list_name)
        # A research tracker is no listing: a tie to a body only it names is no tie to
        # a listed body.
        into = other_lists if info is None or info.legal else other_tracked
        names = into.setdefault(other_id, [])
        if short not in names:
            names.append(short)
    han_only = {(rel.object if rel.subject_id == entity.id else rel.subject) for rel in ties}
    han_only = {o for o in han_only if not LATIN.search(o.name)}
    english = latin_names(session, {o.id for o in han_only}) if han_only else {}
    views = []
    for rel in ties:
        out = rel.subject_id == entity.id
        direction = Direction.OUT if out else Direction.IN
        other = rel.object if out else rel.subject
        named = other in han_only
        views.append(
            RelationshipView(
                type=rel.type,
                direction=direction,
                sentence=relation_type(rel.type).reading(direction).sentence,
                other_id=other.id,
                other_name=other.name,
                summary=rel.summary,
                start=rel.start,
                end=rel.end,
                sources=(),
                other_listed=other.id in other_lists,
                other_lists=tuple(other_lists.get(other.id, ())),
                other_tracked=tuple(other_tracked.get(other.id, ())),
                other_english=english.get(other.id) if named else None,
                other_pinyin=pinyin(other.name) if named and other.id not in english else None,
            )
        )
    # Strongest first; sources are numbered in the order the card shows them.
    order = sorted(range(len(views)), key=lambda i: views[i].strength)
    summary_sources = (numbering.number(entity.summary_source),) if entity.summary_source else ()
    ranked = []
    for i in order:
        numbers = tuple(numbering.number(s) for s in ties[i].sources)
        view = views[i]
        ranked.append(replace(view, sources=numbers))
    identifiers = tuple(
        IdentifierView(
            scheme=i.scheme,
            value=i.value,
            source=numbering.number(i.source) if i.source else None,
        )
        for i in sorted(entity.identifiers, key=lambda i: (i.scheme != "uscc", i.scheme, i.value))
    )
    owner_path = nearest_listed_owner(session, entity.id, numbering.number)
    # The Chinese name's source (its sourced alias), numbered after the rest: the card's
    # other numbers stay as they were.
    native = next(
        (a.source for a in entity.aliases if a.name == entity.native_name and a.source), None
    )
    native_name_sources = (numbering.number(native),) if native is not None else ()
    return EntityCard(
        id=entity.id,
        key=entity.key,
        name=entity.name,
        native_name=entity.native_name,
        native_name_sources=native_name_sources,
        kind=entity.kind,
        country=entity.country,
        # The native name is shown beside the name; its sourced alias is not a second name.
        aliases=tuple(a.name for a in entity.aliases if a.name != entity.native_name),
        summary=entity.summary,
        summary_sources=summary_sources,
        designations=tuple(designations),
        relationships=tuple(ranked),
        sources=tuple(numbering.refs.values()),
        identifiers=identifiers,
        checked=lists_loaded(session),
        owner_path=owner_path,
    )
