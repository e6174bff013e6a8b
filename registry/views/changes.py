"""Changes in words: one change-log row as the same sentence in a digest, a watch alert
and the App Home."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.alert_records import ChangeRecord
from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Designation,
    Entity,
    Identifier,
    Relationship,
    Source,
    relationship_sources,
)
from registry.relation_types import Direction, sentence


@dataclass(frozen=True, slots=True)
class ChangeDescribed:
    """One change-log row in words: the same sentence in a digest, a watch alert and the
    App Home. ``brief`` is for a digest line under a heading that already names the list
    and the kind of change ("added on 2021-06-03")."""

    change_id: int
    kind: str
    date: str  # when the registry recorded it, YYYY-MM-DD
    entity_id: int | None
    name: str
    what: str  # "added to the US DoD 1260H list (listed 2021-06-03)"
    brief: str
    source_title: str | None
    source_url: str | None
    list_id: str | None = None
    list_name: str | None = None
    action: str | None = None  # "added" | "relisted" | "removed" for listings


# Ids per ``IN (...)``: far below PostgreSQL's 65,535 bind parameters and SQLite's 32,766.
IDS_PER_QUERY = 5000


def describe_changes(
    session: Session, changes: Sequence[Change | ChangeRecord]
) -> dict[int, ChangeDescribed]:
    """Many changes in words (a digest): the organisations and listings they name are
    loaded first, a bounded number of ids per query, so describing each asks nothing."""
    entity_ids = sorted({c.entity_id for c in changes if c.entity_id is not None})
    designation_ids = sorted(
        {int(c.detail["designation_id"]) for c in changes if (c.detail or {}).get("designation_id")}
    )
    # Held here while describing: the session's identity map only keeps weak references.
    loaded: list[object] = []
    for i in range(0, len(entity_ids), IDS_PER_QUERY):
        chunk = entity_ids[i : i + IDS_PER_QUERY]
        loaded += session.scalars(select(Entity).where(Entity.id.in_(chunk)))
    for i in range(0, len(designation_ids), IDS_PER_QUERY):
        chunk = designation_ids[i : i + IDS_PER_QUERY]
        loaded += session.scalars(
            select(Designation)
            .where(Designation.id.in_(chunk))
            .options(selectinload(Designation.source))
        )
    return {c.id: describe_change(session, c) for c in changes}


def describe_change(session: Session, change: Change | ChangeRecord) -> ChangeDescribed:
    detail = change.detail or {}
    entity = session.get(Entity, change.entity_id) if change.entity_id else None
    name = entity.name if entity else str(detail.get("name") or "(removed)")
    source: Source | None = None
    kind = change.kind
    list_id = list_name = action = None
    if kind in (
        ChangeKind.DESIGNATION_ADDED,
        ChangeKind.DESIGNATION_REOPENED,
        ChangeKind.DESIGNATION_ENDED,
    ):
        designation = session.get(
            Designation, detail.get("designation_id"), options=[selectinload(Designation.source)]
        )
        source = designation.source if designation else None
        list_id = detail.get("list_id")
        list_name = str(detail.get("list_name") or "a list")
        if kind == ChangeKind.DESIGNATION_ENDED:
            action = "removed"
            end = detail.get("end") or "an unstated date"
            what, brief = f"removed from the {list_name} on {end}", f"removed on {end}"
        elif kind == ChangeKind.DESIGNATION_REOPENED:
            # The period keeps its first start: the edition that reopened it is the news.
            action, start = "relisted", detail.get("start")
            since = f" (listed since {start})" if start else ""
            what, brief = f"relisted on the {list_name}{since}", f"relisted{since}"
        else:
            action = "relisted" if detail.get("relisted") else "added"
            start = detail.get("start")
            verb = "relisted on" if action == "relisted" else "added to"
            what = f"{verb} the {list_name}" + (f" (listed {start})" if start else "")
            brief = f"{action} on {start or 'an unstated date'}"
    elif kind == ChangeKind.RELATIONSHIP_ADDED:
        rel = session.get(
            Relationship,
            detail.get("relationship_id"),
            options=[selectinload(Relationship.sources)],
        )
        other = session.get(Entity, detail.get("object_id")) if detail.get("object_id") else None
        words = sentence(str(detail.get("type")), Direction.OUT)
        what = brief = f"new tie: {words} {other.name if other else '?'}"
        source = rel.sources[0] if rel and rel.sources else None
    elif kind == ChangeKind.NAME_ADDED:
        alias = session.scalars(
            select(Alias).where(
                Alias.entity_id == change.entity_id, Alias.name == detail.get("name")
            )
        ).first()
        what = brief = f"new name: {detail.get('name')}"
        source = alias.source if alias else None
    elif kind == ChangeKind.IDENTIFIER_ADDED:
        ident = session.scalars(
            select(Identifier).where(
                Identifier.scheme == detail.get("scheme"), Identifier.value == detail.get("value")
            )
        ).first()
        what = brief = f"new code: {str(detail.get('scheme') or '').upper()} {detail.get('value')}"
        source = ident.source if ident else None
    else:
        what = brief = "added to the registry"
        if entity is not None:
            source = _first_source(session, entity)
    title = source.title if source else _file_name(change.source_file)
    return ChangeDescribed(
        change_id=change.id,
        kind=kind,
        date=change.at.date().isoformat(),
        entity_id=change.entity_id,
        name=name,
        what=what,
        brief=brief,
        source_title=title,
        source_url=source.url if source else None,
        list_id=list_id,
        list_name=list_name,
        action=action,
    )


def _first_source(session: Session, entity: Entity) -> Source | None:
    return (
        entity.summary_source
        or session.scalars(
            select(Source)
            .join(Designation, Designation.source_id == Source.id)
            .where(Designation.entity_id == entity.id)
            .order_by(Designation.id)
        ).first()
        or session.scalars(
            select(Source)
            .join(relationship_sources, relationship_sources.c.source_id == Source.id)
            .join(Relationship, Relationship.id == relationship_sources.c.relationship_id)
            .where((Relationship.subject_id == entity.id) | (Relationship.object_id == entity.id))
            .order_by(Relationship.id)
        ).first()
    )


def _file_name(path: str | None) -> str | None:
    return path.replace("\\", "/").rsplit("/", 1)[-1] if path else None


def recent_changes(session: Session, limit: int) -> tuple[ChangeDescribed, ...]:
    changes = session.scalars(select(Change).order_by(Change.id.desc()).limit(limit))
    return tuple(describe_change(session, change) for change in changes)
