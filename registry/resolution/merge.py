"""Merging and undoing: one entity takes over another's rows, recorded so that the merge
can be explained (``mcf-bot db merges``) and undone (``mcf-bot db unmerge``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from registry.changelog import log_bulk
from registry.errors import BadImportError
from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Designation,
    Entity,
    Identifier,
    Merge,
    Relationship,
    Source,
    Subscription,
    utcnow,
)


def merge_entities(
    session: Session, keep_id: int, drop_id: int, *, rule: str, evidence: str, run_id: int | None
) -> Merge:
    """Move everything of ``drop`` onto ``keep``, delete ``drop``, and record how."""
    session.flush()
    keep, drop = session.get_one(Entity, keep_id), session.get_one(Entity, drop_id)
    moved: dict[str, Any] = {
        "entity": {
            "key": drop.key,
            "name": drop.name,
            "native_name": drop.native_name,
            "kind": drop.kind,
            "country": drop.country,
            "summary": drop.summary,
            "summary_source_id": drop.summary_source_id,
        }
    }
    known = {keep.name.casefold(), (keep.native_name or "").casefold()} | {
        a.name.casefold() for a in keep.aliases
    }
    moved["aliases"], moved["dropped_aliases"] = [], []
    for alias in list(drop.aliases):
        if alias.name.casefold() in known:
            moved["dropped_aliases"].append(_alias_row(alias))
            session.delete(alias)
        else:
            known.add(alias.name.casefold())
            moved["aliases"].append(alias.id)
    session.flush()
    session.execute(update(Alias).where(Alias.entity_id == drop_id).values(entity_id=keep_id))
    moved["names"] = []
    for name, lang in ((drop.name, None), (drop.native_name, "zh")):
        if name and name.casefold() not in known:
            known.add(name.casefold())
            alias = Alias(entity_id=keep_id, name=name, lang=lang, weak=False)
            session.add(alias)
            session.flush()
            moved["names"].append(alias.id)
    if keep.native_name is None and drop.native_name:
        keep.native_name = drop.native_name
    if keep.country is None and drop.country:
        keep.country = drop.country
        moved["country"] = drop.country
    if keep.summary is None and drop.summary:
        keep.summary, keep.summary_source_id = drop.summary, drop.summary_source_id
        moved["summary"] = True
    moved["identifiers"] = list(
        session.scalars(select(Identifier.id).where(Identifier.entity_id == drop_id))
    )
    session.execute(
        update(Identifier).where(Identifier.entity_id == drop_id).values(entity_id=keep_id)
    )
    moved["designations"], moved["dropped_designations"] = _move_designations(
        session, keep_id, drop_id
    )
    _forget_restatements(session, drop_id, moved["dropped_designations"], run_id)
    moved["relationships"], moved["dropped_relationships"] = _move_relationships(
        session, keep_id, drop_id
    )
    # The merged entity's history becomes the kept one's, except its arrival in this
    # very run: one organisation was added, not two (the merge change says the rest).
    if run_id is not None:
        session.execute(
            delete(Change).where(
                Change.entity_id == drop_id,
                Change.kind == ChangeKind.ENTITY_ADDED,
                Change.import_run_id == run_id,
            )
        )
    moved["changes"] = list(session.scalars(select(Change.id).where(Change.entity_id == drop_id)))
    session.execute(update(Change).where(Change.entity_id == drop_id).values(entity_id=keep_id))
    moved["subscriptions"] = list(
        session.scalars(select(Subscription.id).where(Subscription.entity_id == drop_id))
    )
    session.execute(
        update(Subscription).where(Subscription.entity_id == drop_id).values(entity_id=keep_id)
    )
    session.execute(update(Merge).where(Merge.kept_id == drop_id).values(kept_id=keep_id))
    session.expire_all()
    session.execute(delete(Entity).where(Entity.id == drop_id))
    record = Merge(
        kept_id=keep_id,
        kept_key=keep.key,
        merged_key=moved["entity"]["key"],
        merged_name=moved["entity"]["name"],
        rule=rule,
        evidence=evidence,
        moved=moved,
        import_run_id=run_id,
    )
    session.add(record)
    session.flush()
    log_bulk(
        session,
        ChangeKind.ENTITY_MERGED,
        [
            (
                keep_id,
                {
                    "merge_id": record.id,
                    "merged_key": record.merged_key,
                    "name": record.merged_name,
                    "rule": rule,
                    "evidence": evidence,
                },
            )
        ],
    )
    return record


def _alias_row(alias: Alias) -> dict[str, Any]:
    return {
        "name": alias.name,
        "lang": alias.lang,
        "weak": alias.weak,
        "source_id": alias.source_id,
    }


def _move_designations(
    session: Session, keep_id: int, drop_id: int
) -> tuple[list[int], list[dict[str, Any]]]:
    """Move periods; a period the kept entity already has (same list, same start, or an
    open period restated inside an open one) is not a second listing: it is dropped, and
    recorded so that an unmerge can restore it."""
    held = list(session.scalars(select(Designation).where(Designation.entity_id == keep_id)))
    moved, dropped = [], []
    for d in list(session.scalars(select(Designation).where(Designation.entity_id == drop_id))):
        same = [h for h in held if h.list_id == d.list_id and _one_listing(h, d)]
        if not same:
            d.entity_id = keep_id
            held.append(d)
            moved.append(d.id)
            continue
        keeper = same[0]
        row = {"id": d.id, **_designation_row(d)}
        if d.start is not None and (keeper.start is None or d.start < keeper.start):
            # The merged side's period is the older one: it states the start.
            row["replaced"] = {"id": keeper.id, **_designation_row(keeper)}
            keeper.start, keeper.source_id = d.start, d.source_id
        if d.reason and not keeper.reason:
            row["gave_reason_to"] = keeper.id
            keeper.reason, keeper.reason_source_id = d.reason, d.reason_source_id or d.source_id
        dropped.append(row)
        session.delete(d)
    session.flush()
    return moved, dropped


def _forget_restatements(
    session: Session, drop_id: int, dropped: list[dict[str, Any]], run_id: int | None
) -> None:
    """A period this run added to the merged entity and the merge folded into the kept
    one's was no new listing: its change row goes (the merge change tells the join)."""
    ids = {row["id"] for row in dropped}
    if run_id is None or not ids:
        return
    for change in session.scalars(
        select(Change).where(
            Change.entity_id == drop_id,
            Change.kind == ChangeKind.DESIGNATION_ADDED,
            Change.import_run_id == run_id,
        )
    ):
        if change.detail.get("designation_id") in ids:
            session.delete(change)
    session.flush()


def _one_listing(a: Designation, b: Designation) -> bool:
    return a.start == b.start or (a.end is None and b.end is None)


def _designation_row(d: Designation) -> dict[str, Any]:
    return {
        "list_id": d.list_id,
        "list_name": d.list_name,
        "start": d.start.isoformat() if d.start else None,
        "end": d.end.isoformat() if d.end else None,
        "reason": d.reason,
        "source_id": d.source_id,
        "reason_source_id": d.reason_source_id,
        "end_reason": d.end_reason,
        "end_source_id": d.end_source_id,
    }


def _designation_from(row: dict[str, Any], entity_id: int) -> Designation:
    return Designation(
        entity_id=entity_id,
        list_id=row["list_id"],
        list_name=row["list_name"],
        start=dt.date.fromisoformat(row["start"]) if row["start"] else None,
        end=dt.date.fromisoformat(row["end"]) if row["end"] else None,
        reason=row["reason"],
        source_id=row["source_id"],
        reason_source_id=row["reason_source_id"],
        end_reason=row["end_reason"],
        end_source_id=row["end_source_id"],
    )


def _move_relationships(
    session: Session, keep_id: int, drop_id: int
) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    moved: list[list[Any]] = []
    dropped: list[dict[str, Any]] = []
    rels = session.scalars(
        select(Relationship).where(
            or_(Relationship.subject_id == drop_id, Relationship.object_id == drop_id)
        )
    ).all()
    for rel in rels:
        subject = keep_id if rel.subject_id == drop_id else rel.subject_id
        object_ = keep_id if rel.object_id == drop_id else rel.object_id
        twin = session.scalars(
            select(Relationship).where(
                Relationship.subject_id == subject,
                Relationship.object_id == object_,
                Relationship.type == rel.type,
                Relationship.id != rel.id,
            )
        ).first()
        if subject == object_ or twin is not None:
            dropped.append(
                {
                    "side": "subject" if rel.subject_id == drop_id else "object",
                    "subject_id": rel.subject_id,
                    "object_id": rel.object_id,
                    "type": rel.type,
                    "start": rel.start,
                    "end": rel.end,
                    "summary": rel.summary,
                    "sources": [s.id for s in rel.sources],
                }
            )
            if twin is not None:
                for source in rel.sources:
                    if source not in twin.sources:
                        twin.sources.append(source)
            session.delete(rel)
            continue
        side = "subject" if rel.subject_id == drop_id else "object"
        rel.subject_id, rel.object_id = subject, object_
        moved.append([rel.id, side])
    session.flush()
    return moved, dropped


def unmerge(session: Session, merge_id: int) -> Entity:
    """Undo a merge: recreate the merged entity under its own key with the rows that
    moved, and mark the merge undone so resolution keeps the two apart from now on."""
    record = session.get_one(Merge, merge_id)
    if record.undone_at is not None or record.kept_id is None:
        raise BadImportError("that merge is already undone", file="merges", line=merge_id)
    m = record.moved
    snap = m["entity"]
    entity = Entity(
        key=snap["key"],
        name=snap["name"],
        native_name=snap["native_name"],
        kind=snap["kind"],
        country=snap["country"],
    )
    if snap.get("summary") and m.get("summary"):
        entity.summary, entity.summary_source_id = snap["summary"], snap["summary_source_id"]
    session.add(entity)
    session.flush()
    new_id, kept_id = entity.id, record.kept_id
    for table, ids in ((Alias, m["aliases"]), (Identifier, m["identifiers"])):
        if ids:
            session.execute(update(table).where(table.id.in_(ids)).values(entity_id=new_id))
    for row in m.get("dropped_aliases", []):
        session.add(Alias(entity_id=new_id, **row))
    if m["designations"]:
        session.execute(
            update(Designation)
            .where(Designation.id.in_(m["designations"]))
            .values(entity_id=new_id)
        )
    for row in m["dropped_designations"]:
        if (replaced := row.get("replaced")) is not None:
            keeper = session.get(Designation, replaced["id"])
            if keeper is not None:
                keeper.start = _designation_from(replaced, kept_id).start
                keeper.source_id = replaced["source_id"]
        if (gave := row.get("gave_reason_to")) is not None and (
            keeper := session.get(Designation, gave)
        ) is not None:
            keeper.reason, keeper.reason_source_id = None, None
        session.add(_designation_from(row, new_id))
    for rel_id, side in m["relationships"]:
        column = "subject_id" if side == "subject" else "object_id"
        session.execute(
            update(Relationship).where(Relationship.id == rel_id).values({column: new_id})
        )
    for row in m["dropped_relationships"]:
        ends = {"subject_id": row["subject_id"], "object_id": row["object_id"]}
        ends[f"{row['side']}_id"] = new_id
        session.add(
            Relationship(
                **ends,
                type=row["type"],
                start=row["start"],
                end=row["end"],
                summary=row["summary"],
                sources=[session.get_one(Source, s) for s in row["sources"]],
            )
        )
    for table2, ids in ((Change, m["changes"]), (Subscription, m["subscriptions"])):
        if ids:
            session.execute(update(table2).where(table2.id.in_(ids)).values(entity_id=new_id))
    if m.get("names"):
        session.execute(delete(Alias).where(Alias.id.in_(m["names"])))
    record.undone_at = utcnow()
    session.flush()
    log_bulk(
        session,
        ChangeKind.ENTITY_UNMERGED,
        [(new_id, {"merge_id": record.id, "name": entity.name, "from_id": kept_id})],
    )
    return entity


def merges(session: Session, name: str | None = None) -> list[Merge]:
    """Every merge, oldest first; ``name``: those whose merged or kept name contains it."""
    query = select(Merge).order_by(Merge.id)
    if name:
        pattern = f"%{name}%"
        query = query.where(or_(Merge.merged_name.ilike(pattern), Merge.kept_key.ilike(pattern)))
    return list(session.scalars(query))


def explain(session: Session, entity_id: int) -> list[Merge]:
    """The merges that made this entity, oldest first (for a card's "why one")."""
    return list(
        session.scalars(
            select(Merge)
            .where(Merge.kept_id == entity_id, Merge.undone_at.is_(None))
            .order_by(Merge.id)
        )
    )
