"""Build an entity's card: header, designations with status, ties, numbered sources."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from handlers.errors import NotFound
from handlers.replies import DesignationView, EntityCard, RelationshipView, SourceRef
from registry.models import Designation, Entity, Relationship, Source

# Sentences read "<this entity> <sentence> <other>", generated from the tie's type.
OUTGOING = {
    "subsidiary_of": "is a subsidiary of",
    "joint_lab": "has a joint lab with",
    "joint_venture": "has a joint venture with",
    "supplies": "supplies",
    "research_partner": "is a research partner of",
    "co_founded": "co-founded",
    "collaborates_with": "collaborates with",
    "supervised_by": "is supervised by",
    "hosted_by": "was hosted by",
    "other": "is linked to",
}
INCOMING = {
    "subsidiary_of": "is the parent of",
    "joint_lab": "has a joint lab with",
    "joint_venture": "has a joint venture with",
    "supplies": "is supplied by",
    "research_partner": "is a research partner of",
    "co_founded": "was co-founded by",
    "collaborates_with": "collaborates with",
    "supervised_by": "supervises",
    "hosted_by": "hosted",
    "other": "is linked to",
}
# Parents first, then hand-curated ties, then subsidiaries (which can be many).
_ORDER = {"subsidiary_of:out": 0, "subsidiary_of:in": 2}


class _Numbering:
    def __init__(self) -> None:
        self.refs: dict[int, SourceRef] = {}

    def number(self, source: Source) -> int:
        ref = self.refs.get(source.id)
        if ref is None:
            ref = SourceRef(
                number=len(self.refs) + 1,
                title=source.title,
                publisher=source.publisher,
                url=source.url,
                date=source.published,
            )
            self.refs[source.id] = ref
        return ref.number


def _status(d: Designation, relisted: bool, today: dt.date | None = None) -> str:
    start = d.start.isoformat() if d.start else "an unknown date"
    if d.start is not None and d.start > (today or dt.date.today()):
        # A statute naming it with a later effective date (NDAA s.154: 2027-10-01).
        return f"from {start} (not yet in force)"
    if d.end is not None and d.end_note:
        # No removal date is published: say only what the edition shows.
        return f"listed {start}; {d.end_note}"
    if d.end is not None:
        return f"listed {start}, removed on {d.end.isoformat()}"
    return f"relisted on {start}" if relisted else f"listed since {start}"


def build_card(session: Session, entity_id: int) -> EntityCard:
    entity = session.scalars(
        select(Entity)
        .where(Entity.id == entity_id)
        .options(
            selectinload(Entity.aliases),
            selectinload(Entity.designations).selectinload(Designation.source),
            selectinload(Entity.designations).selectinload(Designation.citations),
            selectinload(Entity.designations).selectinload(Designation.end_source),
            selectinload(Entity.summary_source),
        )
    ).first()
    if entity is None:
        raise NotFound("That organisation is no longer in the registry.")
    numbering = _Numbering()

    designations = []
    seen_lists: set[str] = set()
    for d in sorted(entity.designations, key=lambda d: (d.list_id, d.start or d.end)):
        source = numbering.number(d.source)
        designations.append(
            DesignationView(
                list_id=d.list_id,
                list_name=d.list_name,
                start=d.start.isoformat() if d.start else None,
                end=d.end.isoformat() if d.end else None,
                status=_status(d, d.list_id in seen_lists),
                reason=d.reason,
                source=source,
                source_url=d.source.url,
                licence_requirement=d.licence_requirement,
                licence_policy=d.licence_policy,
                citations=tuple(numbering.number(c) for c in d.citations)
                + ((numbering.number(d.end_source),) if d.end_source else ()),
                end_note=d.end_note,
            )
        )
        seen_lists.add(d.list_id)

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
    listed = set(
        session.scalars(
            select(Designation.entity_id).where(
                Designation.entity_id.in_(others), Designation.end.is_(None)
            )
        )
    )
    views = []
    for rel in ties:
        out = rel.subject_id == entity.id
        other = rel.object if out else rel.subject
        views.append(
            RelationshipView(
                type=rel.type,
                direction="out" if out else "in",
                sentence=(OUTGOING if out else INCOMING).get(rel.type, "is linked to"),
                other_id=other.id,
                other_name=other.name,
                summary=rel.summary,
                start=rel.start,
                end=rel.end,
                sources=tuple(numbering.number(s) for s in rel.sources),
                other_listed=other.id in listed,
            )
        )
    views.sort(key=lambda v: (_ORDER.get(f"{v.type}:{v.direction}", 1), v.other_name.casefold()))
    summary_sources = (numbering.number(entity.summary_source),) if entity.summary_source else ()
    return EntityCard(
        id=entity.id,
        key=entity.key,
        name=entity.name,
        native_name=entity.native_name,
        kind=entity.kind,
        country=entity.country,
        # The native name is shown beside the name; its sourced alias is not a second name.
        aliases=tuple(a.name for a in entity.aliases if a.name != entity.native_name),
        summary=entity.summary,
        summary_sources=summary_sources,
        designations=tuple(designations),
        relationships=tuple(views),
        sources=tuple(numbering.refs.values()),
    )
