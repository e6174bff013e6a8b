"""The registry as FollowTheMoney entities (JSON lines) for yente, Aleph or nomenklatura.

- Entities: Company (companies, state-owned groups), PublicBody (government bodies),
  Organization (the rest), with names, aliases, weak aliases, country, USCC, our own
  summary and, in ``referents``, the FollowTheMoney ids they were imported under.
- Ties: ``subsidiary_of`` -> Ownership (owner = parent) when the subsidiary is a Company
  (FollowTheMoney owns only assets); every other tie -> UnknownLink with the tie's type
  as its role. Dates, our summary and every source URL go with them.
- Designations on government lists -> Sanction (programme, dates, stated reason,
  source URL). A listing in a research database (the ASPI tracker) is not a sanction:
  it becomes a note on the entity, with the tracker page as source URL.

Ids are stable across rebuilds: ``mcf-<key>`` for entities and a hash of what a tie or
listing connects for the others. Everything is streamed from the session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from followthemoney import ValueEntity, model
from followthemoney.util import make_entity_id
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from registry.catalog import catalog
from registry.models import Designation, Entity, EntityKind, Relationship
from registry.relation_types import relation_type

DATASET = "mcf_registry"
# Research databases, not government lists (``legal: false`` in the catalogue): their
# listings are not sanctions.
NOT_SANCTIONS = frozenset(list_id for list_id, info in catalog().items() if not info.legal)
SCHEMATA: dict[str, str] = {
    EntityKind.COMPANY: "Company",
    EntityKind.STATE_OWNED_GROUP: "Company",
    EntityKind.GOVERNMENT_BODY: "PublicBody",
}
BATCH = 1000


def entity_id(key: str) -> str:
    return f"mcf-{key}"


def _proxy(schema: str, id_: str, **context: Any) -> ValueEntity:
    return ValueEntity(model.schemata[schema], {"id": id_, "datasets": [DATASET], **context})


def _entity(entity: Entity) -> ValueEntity:
    listed = [d for d in entity.designations if d.list_id not in NOT_SANCTIONS]
    referents = [i.value for i in entity.identifiers if i.scheme == "ftm"]
    if entity.key.startswith("ftm-"):
        referents.insert(0, entity.key[4:])
    proxy = _proxy(
        SCHEMATA.get(entity.kind, "Organization"),
        entity_id(entity.key),
        caption=entity.name,
        referents=referents,
        target=any(d.end is None for d in listed),
    )
    proxy.add("name", entity.name)
    proxy.add("alias", [entity.native_name] if entity.native_name else [])
    proxy.add("alias", [a.name for a in entity.aliases if not a.weak])
    proxy.add("weakAlias", [a.name for a in entity.aliases if a.weak])
    proxy.add("country", entity.country)
    proxy.add("uscCode", [i.value for i in entity.identifiers if i.scheme == "uscc"])
    if entity.summary:
        proxy.add("summary", entity.summary)
        if entity.summary_source is not None:
            proxy.add("sourceUrl", entity.summary_source.url)
    for d in entity.designations:
        if d.list_id in NOT_SANCTIONS:
            proxy.add("notes", f"Listed in {d.list_name}.")
            proxy.add("sourceUrl", d.source.url)
    if any(d.end is None for d in listed):
        proxy.add("topics", "sanction")
    return proxy


def _entities(session: Session) -> Iterator[ValueEntity]:
    query = (
        select(Entity)
        .order_by(Entity.id)
        .options(
            selectinload(Entity.aliases),
            selectinload(Entity.identifiers),
            selectinload(Entity.designations).selectinload(Designation.source),
            selectinload(Entity.summary_source),
        )
        .execution_options(yield_per=BATCH)
    )
    for entity in session.scalars(query):
        yield _entity(entity)


def _tie(rel: Relationship, subject: Entity, object_: Entity) -> ValueEntity:
    owned = relation_type(rel.type).ownership and SCHEMATA.get(subject.kind) == "Company"
    proxy = _proxy(
        "Ownership" if owned else "UnknownLink",
        "mcf-tie-" + str(make_entity_id(subject.key, rel.type, object_.key)),
    )
    if owned:
        proxy.add("owner", entity_id(object_.key))
        proxy.add("asset", entity_id(subject.key))
    else:
        proxy.add("subject", entity_id(subject.key))
        proxy.add("object", entity_id(object_.key))
        proxy.add("role", rel.type.replace("_", " "))
    proxy.add("startDate", rel.start)
    proxy.add("endDate", rel.end)
    proxy.add("summary", rel.summary)
    proxy.add("sourceUrl", [s.url for s in rel.sources])
    proxy.add("publisher", [s.publisher for s in rel.sources][:1])
    return proxy


def _ties(session: Session) -> Iterator[ValueEntity]:
    subject, object_ = aliased(Entity), aliased(Entity)
    query = (
        select(Relationship, subject, object_)
        .join(subject, Relationship.subject_id == subject.id)
        .join(object_, Relationship.object_id == object_.id)
        .order_by(Relationship.id)
        .options(selectinload(Relationship.sources))
        .execution_options(yield_per=BATCH)
    )
    for rel, subj, obj in session.execute(query):
        yield _tie(rel, subj, obj)


def _sanctions(session: Session) -> Iterator[ValueEntity]:
    query = (
        select(Designation, Entity.key)
        .join(Entity, Designation.entity_id == Entity.id)
        .where(Designation.list_id.not_in(NOT_SANCTIONS))
        .order_by(Designation.id)
        .options(selectinload(Designation.source))
        .execution_options(yield_per=BATCH)
    )
    for d, key in session.execute(query):
        start = d.start.isoformat() if d.start else None
        proxy = _proxy("Sanction", "mcf-sanction-" + str(make_entity_id(key, d.list_id, start)))
        proxy.add("entity", entity_id(key))
        proxy.add("program", d.list_name)
        proxy.add("programId", d.list_id)
        proxy.add("authority", d.source.publisher)
        proxy.add("startDate", start)
        proxy.add("listingDate", start)
        proxy.add("endDate", d.end.isoformat() if d.end else None)
        proxy.add("reason", d.reason)
        proxy.add("sourceUrl", d.source.url)
        yield proxy


def export(session: Session) -> Iterator[dict[str, Any]]:
    """Every entity, then every tie, then every sanction, as FollowTheMoney dicts."""
    for part in (_entities, _ties, _sanctions):
        for proxy in part(session):
            yield proxy.to_dict()


def write(session: Session, stream: TextIO) -> int:
    count = 0
    for data in export(session):
        stream.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def write_file(session: Session, path: Path) -> int:
    """Write beside ``path`` and rename, so a failed export never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as stream:
            count = write(session, stream)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
