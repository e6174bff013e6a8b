"""Load FollowTheMoney entity files as OpenSanctions publishes them (JSON lines).

Two layouts: a plain export (``entities.ftm.json``, one entity per line) and a delta
(``entities.delta.json``, one ``{"op": "ADD"|"MOD"|"DEL", "entity": {...}}`` per line).

- Company, Organization, PublicBody, LegalEntity -> entities keyed ``ftm-<id>``.
  A record joins an existing registry entity only on strong evidence (the Resolver:
  USCC, or the same normalised name); never another FollowTheMoney record, because
  distinct ids are distinct entities in the publisher's own deduplication. A record
  that joined an entity is remembered by an identifier (scheme ``ftm``).
- Ownership -> ``asset subsidiary_of owner``; UnknownLink -> ``subject other object``;
  Sanction -> one designation per entity and programme (list id ``ftm:<programId>``),
  from the earliest start to the end date, if any. Persons and other schemata are
  skipped; ties to skipped entities are skipped with them.
- Every tie and designation cites the record's ``sourceUrl``, else its dataset
  ("OpenSanctions dataset <name>"); a record with neither is skipped (no source, no claim).
- DEL: the registry keeps history, so a deleted organisation stays with its names and
  ties, and its open ``ftm:`` designations end on the delta's date (the version in the
  path, ``.../20240527134702-zbn/entities.delta.json``, else the import date). A DEL line
  carries only an id, so a deleted Sanction alone cannot be matched to a designation.
- A plain export is not a complete list: a designation missing from a newer export is
  not ended (load the delta for that).

The file is streamed: entities are written in chunks of ``CHUNK`` lines, and only the
compact tie and sanction records wait in memory until every entity of the file exists.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson  # a dependency of followthemoney; several times faster than json here
from followthemoney import ValueEntity, model
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, selectinload

from registry import store
from registry.changelog import log_bulk
from registry.errors import BadImportError
from registry.importers.result import ImportResult
from registry.models import (
    Alias,
    ChangeKind,
    Designation,
    Entity,
    EntityKind,
    Identifier,
    Merge,
    Relationship,
    RelationType,
    Source,
)
from registry.names.script import LATIN_OR_HAN, has_han
from registry.progress import Progress, silent
from registry.resolution.joins import Resolver
from registry.text import clean_text

log = logging.getLogger(__name__)

# Table-level (Core) inserts: the ORM's bulk path costs more per row than the database.
ENTITIES = cast(Table, Entity.__table__)
ALIASES = cast(Table, Alias.__table__)
IDENTIFIERS = cast(Table, Identifier.__table__)

SOURCE_ID = "ftm"
LIST_PREFIX = "ftm:"
CHUNK = 5000
KINDS = {
    "Company": EntityKind.COMPANY,
    "PublicBody": EntityKind.GOVERNMENT_BODY,
    "Organization": EntityKind.OTHER,
    "LegalEntity": EntityKind.OTHER,
}
LINKS = frozenset(["Ownership", "UnknownLink", "Sanction"])
OPS = frozenset(["ADD", "MOD", "DEL"])
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T[\d:.]+Z?)?)?)?$")
MAX_RESOLVE = 12  # names tried per record; OpenSanctions entities can carry dozens
_VERSION = re.compile(r"(\d{8})\d{6}-[a-z0-9]+")
MAX_NAME = 500
# Properties that are prose, not names: their line breaks are kept.
_PROSE = frozenset({"reason", "summary", "description", "notes"})


@dataclass(slots=True)
class _Record:
    line: int
    op: str
    id: str
    schema: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Cite:
    title: str
    publisher: str
    url: str


@dataclass(slots=True)
class _Link:
    """A tie or sanction waiting for both of its entities to exist."""

    line: int
    type: str  # a RelationType, or "sanction"
    subject: str
    object: str | None
    start: str | None
    end: str | None
    cite: _Cite
    summary: str | None = None  # ties: our sentence; sanctions: the stated reason
    list_id: str = ""
    list_name: str = ""


@dataclass
class _Counts:
    skipped_schema: int = 0
    skipped_unnamed: int = 0
    skipped_unsourced: int = 0
    skipped_dangling: int = 0
    ignored_deletes: int = 0


@dataclass(slots=True)
class _Names:
    primary: str
    strong: list[str]
    weak: list[str]
    codes: list[tuple[str, str]]
    source_id: int | None


@dataclass(slots=True)
class _NewEntity:
    """A new entity's row and name rows, inserted at the end of its chunk."""

    row: dict[str, Any]
    held: set[str]
    aliases: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, names: _Names, loader: _Loader) -> None:
        self.aliases += _missing(names, self.held, None)
        self.codes += loader.new_codes(names.codes, None)


def _clean(name: str) -> str:
    return clean_text(name)


def _missing(names: _Names, held: set[str], entity_id: int | None) -> list[dict[str, Any]]:
    """Alias rows for the names not yet held (as ``store.add_alias`` would decide)."""
    rows = []
    for weak, group in ((False, names.strong), (True, names.weak)):
        for name in map(_clean, group):
            if name and name not in held:
                held.add(name)
                rows.append(
                    {
                        "entity_id": entity_id,
                        "name": name,
                        "lang": "zh" if _has_han(name) and not weak else None,
                        "weak": weak,
                        "source_id": names.source_id,
                    }
                )
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def _read(path: Path, advance: Callable[[int], None]) -> Iterator[_Record]:
    file = str(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise BadImportError(f"cannot read ({exc})", file=file) from exc
    with stream:
        pending = 0
        for number, raw in enumerate(stream, 1):
            pending += len(raw)
            if pending > 1 << 20:
                advance(pending)
                pending = 0
            if raw.strip():
                yield _parse(raw, file=file, line=number)
        advance(pending)


def _parse(raw: bytes, *, file: str, line: int) -> _Record:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # A truncated last line lands here too.
        raise BadImportError(f"not a JSON line ({exc})", file=file, line=line) from exc
    if not isinstance(obj, dict):
        raise BadImportError("expected one JSON object per line", file=file, line=line)
    op = "ADD"
    if "op" in obj:
        op, obj = obj["op"], obj.get("entity")
        if op not in OPS:
            raise BadImportError(f"unknown op {op!r}", file=file, line=line, field="op")
        if not isinstance(obj, dict):
            raise BadImportError("delta line without entity", file=file, line=line, field="entity")
    entity_id = obj.get("id")
    if not isinstance(entity_id, str) or not entity_id or len(entity_id) > 190:
        raise BadImportError("missing or overlong id", file=file, line=line, field="id")
    if op == "DEL":
        return _Record(line, op, entity_id, None, obj)
    schema = obj.get("schema")
    if not isinstance(schema, str) or model.get(schema) is None:
        raise BadImportError(f"unknown schema {schema!r}", file=file, line=line, field="schema")
    props = obj.get("properties")
    if not isinstance(props, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in props.values()
    ):
        raise BadImportError(
            "properties must map names to lists of strings",
            file=file,
            line=line,
            field="properties",
        )
    datasets = obj.get("datasets", [])
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise BadImportError(
            "datasets must be a list of names", file=file, line=line, field="datasets"
        )
    return _Record(line, op, entity_id, schema, _inert(obj))


def _inert(obj: dict[str, Any]) -> dict[str, Any]:
    """The record's text made inert as it is read (``registry.text``): every property
    value, the caption and the dataset names. Prose keeps its line breaks."""
    props = {
        prop: [clean_text(v, multiline=prop in _PROSE) for v in values]
        for prop, values in obj["properties"].items()
    }
    out = {**obj, "properties": props, "datasets": [clean_text(d) for d in obj.get("datasets", [])]}
    if isinstance(obj.get("caption"), str):
        out["caption"] = clean_text(obj["caption"])
    return out


def _date(value: str, *, file: str, line: int, field: str) -> str:
    """A FollowTheMoney date as published, checked: "2024", "2024-05", "2024-05-27"."""
    day = value[:10]
    try:
        if _DATE.match(value) is None:
            raise ValueError(value)
        # Pad a year or month to a day only to check it; the partial date is what we keep.
        dt.date.fromisoformat(day + {4: "-01-01", 7: "-01", 10: ""}[len(day)])
    except ValueError as exc:
        message = f"not a date: {value!r}"
        raise BadImportError(message, file=file, line=line, field=field) from exc
    return day


def _day(value: str | None) -> dt.date | None:
    # Designations hold days; a year or month alone would need an invented day.
    return dt.date.fromisoformat(value) if value and len(value) == 10 else None


_has_han = has_han


class _Loader:
    def __init__(self, session: Session, path: Path, result: ImportResult) -> None:
        self.session = session
        self.file = str(path)
        self.result = result
        self.today = dt.datetime.now(dt.UTC).date()
        self.counts = _Counts()
        self._resolver: Resolver | None = None
        self.links: list[_Link] = []
        self.deletes: list[str] = []
        # FollowTheMoney id -> registry entity id, without a SELECT per line.
        self.known: dict[str, int] = {
            key[4:]: id_
            for key, id_ in session.execute(
                select(Entity.key, Entity.id).where(Entity.key.like("ftm-%"))
            )
        }
        for value, id_ in session.execute(
            select(Identifier.value, Identifier.entity_id).where(Identifier.scheme == "ftm")
        ):
            self.known[value] = id_
        # Records that resolution merged into another entity load into that one.
        for key, kept_id in session.execute(
            select(Merge.merged_key, Merge.kept_id).where(
                Merge.merged_key.like("ftm-%"), Merge.undone_at.is_(None)
            )
        ):
            if kept_id is not None:
                self.known.setdefault(key[4:], kept_id)
        self.source_ids: dict[_Cite, int] = {}
        self.codes: set[tuple[str, str]] = {
            (scheme, value)
            for scheme, value in session.execute(select(Identifier.scheme, Identifier.value))
        }

    @property
    def resolver(self) -> Resolver:
        # Built on first need: a delta that only touches known ids never pays for it.
        if self._resolver is None:
            self._resolver = Resolver(self.session, report_near_misses=False)
        return self._resolver

    def cite_dataset(self, data: dict[str, Any]) -> _Cite | None:
        datasets = data.get("datasets") or []
        if not datasets:
            return None
        name = sorted(datasets)[0]
        return _Cite(
            f"OpenSanctions dataset {name}",
            "OpenSanctions",
            f"https://www.opensanctions.org/datasets/{name}/",
        )

    def cite(self, proxy: ValueEntity, data: dict[str, Any], title: str) -> _Cite | None:
        url = proxy.first("sourceUrl", quiet=True)
        if url:
            publisher = proxy.first("publisher", quiet=True) or proxy.first("authority", quiet=True)
            if not publisher and data.get("datasets"):
                publisher = f"OpenSanctions dataset {sorted(data['datasets'])[0]}"
            return _Cite(title[:500], (publisher or "unknown")[:200], url[:1000])
        return self.cite_dataset(data)

    def source(self, cite: _Cite) -> Source:
        return store.get_source(
            self.session, title=cite.title, publisher=cite.publisher, url=cite.url
        )

    # --- entities -------------------------------------------------------------------

    def chunk(self, records: list[_Record]) -> None:
        orgs: list[tuple[_Record, ValueEntity]] = []
        for rec in records:
            if rec.op == "DEL":
                self.deletes.append(rec.id)
            elif rec.schema in KINDS:
                orgs.append((rec, _proxy(rec)))
            elif rec.schema in LINKS:
                self.buffer_link(rec, _proxy(rec))
            else:
                self.counts.skipped_schema += 1
        if orgs:
            self.write_entities(orgs)

    def write_entities(self, orgs: list[tuple[_Record, ValueEntity]]) -> None:
        """One chunk of organisations: new ones and their names go in with Core inserts
        (an ORM object per row would be far too slow for a million lines) and are
        logged as a flush would log them; joins to curated or list entities use the ORM."""
        held = self.held_names({self.known[rec.id] for rec, _ in orgs if rec.id in self.known})
        fresh: dict[str, _NewEntity] = {}
        joined: dict[str, Entity] = {}
        names_added: list[dict[str, Any]] = []
        codes_added: list[dict[str, Any]] = []
        for rec, proxy in orgs:
            names = self.names(rec, proxy)
            if names is None:
                self.counts.skipped_unnamed += 1
            elif rec.id in joined:
                self.join(joined[rec.id], rec, names)
            elif rec.id in self.known:
                entity_id = self.known[rec.id]
                rows = _missing(names, held.setdefault(entity_id, set()), entity_id)
                codes = self.new_codes(names.codes, entity_id)
                self.result.updated += bool(rows or codes)
                self.result.unchanged += not (rows or codes)
                names_added += rows
                codes_added += codes
            elif rec.id in fresh:
                fresh[rec.id].add(names, self)
            else:
                self.join_or_create(rec, proxy, names, fresh, joined)
        self.session.flush()  # joins made through the ORM, and new sources
        self.known.update((ftm_id, entity.id) for ftm_id, entity in joined.items())
        self.insert_fresh(fresh)
        if names_added:
            self.session.execute(insert(ALIASES), names_added)
        if codes_added:
            self.session.execute(insert(IDENTIFIERS), codes_added)
        log_bulk(
            self.session,
            ChangeKind.NAME_ADDED,
            [(row["entity_id"], {"name": row["name"]}) for row in names_added],
        )
        log_bulk(
            self.session,
            ChangeKind.IDENTIFIER_ADDED,
            [(r["entity_id"], {"scheme": r["scheme"], "value": r["value"]}) for r in codes_added],
        )

    def held_names(self, ids: set[int]) -> dict[int, set[str]]:
        held: dict[int, set[str]] = {i: set() for i in ids}
        if ids:
            for id_, name, native in self.session.execute(
                select(Entity.id, Entity.name, Entity.native_name).where(Entity.id.in_(ids))
            ):
                held[id_].update(n for n in (name, native) if n)
            for id_, name in self.session.execute(
                select(Alias.entity_id, Alias.name).where(Alias.entity_id.in_(ids))
            ):
                held[id_].add(name)
        return held

    def names(self, rec: _Record, proxy: ValueEntity) -> _Names | None:
        primary, strong, weak = _names(rec, proxy)
        if not primary:
            return None
        cite = self.cite_dataset(rec.data)
        source_id = self.source_id(cite) if cite else None
        codes = [("uscc", v) for v in proxy.get("uscCode", quiet=True) if len(v) <= 100]
        return _Names(primary, strong, weak, codes, source_id)

    def source_id(self, cite: _Cite) -> int:
        found = self.source_ids.get(cite)
        if found is None:
            source = self.source(cite)
            if source.id is None:
                self.session.flush()
            found = self.source_ids[cite] = source.id
        return found

    def join(self, entity: Entity, rec: _Record, names: _Names) -> None:
        """Names and codes onto an entity from another source, through the ORM."""
        source = self.session.get(Source, names.source_id) if names.source_id else None
        for name in names.strong:
            lang = "zh" if _has_han(name) else None
            store.add_alias(self.session, entity, name, lang=lang, source=source)
        for name in names.weak:
            store.add_alias(self.session, entity, name, weak=True, source=source)
        # The ftm identifier finds the entity again next time (ids above 100 characters
        # do not fit the column: such a record is found by its name again instead).
        codes = [("ftm", rec.id)] if len(rec.id) <= 100 else []
        for code in self.new_codes(codes + names.codes, None):
            entity.identifiers.append(Identifier(scheme=code["scheme"], value=code["value"]))

    def new_codes(
        self, codes: list[tuple[str, str]], entity_id: int | None
    ) -> list[dict[str, Any]]:
        # Identifiers are unique registry-wide: a code already held stays where it is.
        out = []
        for scheme, value in codes:
            if (scheme, value) not in self.codes:
                self.codes.add((scheme, value))
                out.append({"entity_id": entity_id, "scheme": scheme, "value": value})
        return out

    def join_or_create(
        self,
        rec: _Record,
        proxy: ValueEntity,
        names: _Names,
        fresh: dict[str, _NewEntity],
        joined: dict[str, Entity],
    ) -> None:
        # Only entities from other sources can be joined, and their names are in Latin or
        # Chinese script: a Cyrillic or Arabic name need not be normalised (it is slow).
        candidates = [n for n in [names.primary, *names.strong] if LATIN_OR_HAN.search(n)]
        found = self.resolver.find(candidates[:MAX_RESOLVE], names.codes)
        if found.entity is not None and not found.entity.key.startswith("ftm-"):
            self.result.merged.append(
                f"{names.primary!r} into {found.entity.name!r} ({found.reason})"
            )
            self.result.updated += 1
            joined[rec.id] = found.entity
            self.join(found.entity, rec, names)
            return
        country = proxy.first("country") or proxy.first("jurisdiction", quiet=True)
        row = {
            "key": f"ftm-{rec.id}",
            "name": names.primary,
            "kind": KINDS[rec.schema or "LegalEntity"],
            "native_name": next((n for n in names.strong if _has_han(n)), None),
            "country": country.upper()[:8] if country else None,
        }
        fresh[rec.id] = _NewEntity(row, {n for n in (row["name"], row["native_name"]) if n})
        fresh[rec.id].add(names, self)

    def insert_fresh(self, fresh: dict[str, _NewEntity]) -> None:
        if not fresh:
            return
        ids = self.session.scalars(
            insert(ENTITIES).returning(ENTITIES.c.id, sort_by_parameter_order=True),
            [new.row for new in fresh.values()],
        ).all()
        aliases, codes = [], []
        for (ftm_id, new), entity_id in zip(fresh.items(), ids, strict=True):
            self.known[ftm_id] = entity_id
            aliases += [dict(a, entity_id=entity_id) for a in new.aliases]
            codes += [dict(c, entity_id=entity_id) for c in new.codes]
        if aliases:
            self.session.execute(insert(ALIASES), aliases)
        if codes:
            self.session.execute(insert(IDENTIFIERS), codes)
        # A new entity's names are part of "entity added", as in a flush.
        log_bulk(
            self.session,
            ChangeKind.ENTITY_ADDED,
            [
                (entity_id, {"name": new.row["name"], "entity_kind": new.row["kind"]})
                for new, entity_id in zip(fresh.values(), ids, strict=True)
            ],
        )
        self.result.created += len(ids)

    # --- ties and sanctions -----------------------------------------------------------

    def date(self, rec: _Record, proxy: ValueEntity, prop: str) -> str | None:
        """The property's earliest date, checked: "2024", "2024-05" or "2024-05-27".
        Read as the file states it: FollowTheMoney's cleaning drops a bad date quietly."""
        values = [
            _date(v, file=self.file, line=rec.line, field=f"properties.{prop}")
            for v in rec.data["properties"].get(prop, [])
        ]
        return min((v for v in values if v), default=None)

    def buffer_link(self, rec: _Record, proxy: ValueEntity) -> None:
        start = self.date(rec, proxy, "startDate")
        end = self.date(rec, proxy, "endDate")
        if rec.schema == "Sanction":
            self.buffer_sanction(rec, proxy, start, end)
            return
        if rec.schema == "Ownership":
            pairs = [(a, o) for a in proxy.get("asset") for o in proxy.get("owner")]
            type_ = RelationType.SUBSIDIARY_OF
            pct = proxy.first("percentage")
            summary = f"Stake held: {pct.rstrip('%')}%." if pct else None
        else:
            pairs = [(s, o) for s in proxy.get("subject") for o in proxy.get("object")]
            type_ = RelationType.OTHER
            role = proxy.first("role")
            summary = f"Described as: {role}." if role and len(role) <= 100 else None
        cite = self.cite(proxy, rec.data, f"{rec.schema} record")
        if cite is None:
            self.counts.skipped_unsourced += 1
            return
        for subject, object_ in pairs:
            self.links.append(_Link(rec.line, type_, subject, object_, start, end, cite, summary))

    def buffer_sanction(
        self, rec: _Record, proxy: ValueEntity, start: str | None, end: str | None
    ) -> None:
        listed = self.date(rec, proxy, "listingDate")
        datasets = sorted(rec.data.get("datasets") or [])
        authority = proxy.first("authority")
        program = proxy.first("program")
        key = proxy.first("programId") or (datasets[0] if datasets else None) or authority
        parts = [p for p in (authority, program) if p]
        list_name = " — ".join(dict.fromkeys(parts)) or f"OpenSanctions dataset {key}"
        cite = self.cite(proxy, rec.data, list_name)
        if cite is None:
            self.counts.skipped_unsourced += 1
            return
        reason = "; ".join(proxy.get("reason")) or None
        for target in proxy.get("entity"):
            self.links.append(
                _Link(
                    rec.line,
                    "sanction",
                    target,
                    None,
                    start or listed,
                    end,
                    cite,
                    reason,
                    list_id=(LIST_PREFIX + _slug(key or "unknown"))[:40],
                    list_name=list_name[:200],
                )
            )

    def write_links(self) -> None:
        ties: dict[tuple[int, int, str], _Link] = {}
        sanctions: dict[tuple[int, str], list[_Link]] = {}
        for link in self.links:
            subject = self.known.get(link.subject)
            object_ = self.known.get(link.object) if link.object else None
            if subject is None or (link.object is not None and object_ is None):
                self.counts.skipped_dangling += 1
            elif link.type == "sanction":
                sanctions.setdefault((subject, link.list_id), []).append(link)
            elif subject != object_ and object_ is not None:
                ties.setdefault((subject, object_, link.type), link)
        self.links = []
        self.write_ties(ties)
        self.write_sanctions(sanctions)

    def write_ties(self, ties: dict[tuple[int, int, str], _Link]) -> None:
        subjects = sorted({s for s, _, _ in ties})
        for i in range(0, len(subjects), 500):
            batch = subjects[i : i + 500]
            stored = {
                (r.subject_id, r.object_id, r.type): r
                for r in self.session.scalars(
                    select(Relationship)
                    .where(Relationship.subject_id.in_(batch))
                    .options(selectinload(Relationship.sources))
                )
            }
            for triple in [t for t in ties if batch[0] <= t[0] <= batch[-1]]:
                link, source = ties[triple], self.source(ties[triple].cite)
                found = stored.get(triple)
                if found is not None:
                    if source not in found.sources:
                        found.sources.append(source)
                    continue
                self.session.add(
                    Relationship(
                        subject_id=triple[0],
                        object_id=triple[1],
                        type=triple[2],
                        start=link.start,
                        end=link.end,
                        summary=link.summary,
                        sources=[source],
                    )
                )
                self.result.relationships += 1
            self.session.flush()

    def write_sanctions(self, sanctions: dict[tuple[int, str], list[_Link]]) -> None:
        ids = sorted({entity_id for entity_id, _ in sanctions})
        for i in range(0, len(ids), 500):
            batch = ids[i : i + 500]
            entities = self.session.scalars(
                select(Entity)
                .where(Entity.id.in_(batch))
                .options(selectinload(Entity.designations))
            ).all()
            by_id = {e.id: e for e in entities}
            for (entity_id, list_id), links in sanctions.items():
                if entity_id in by_id:
                    self.write_period(by_id[entity_id], list_id, links)
            self.session.flush()

    def write_period(self, entity: Entity, list_id: str, links: list[_Link]) -> None:
        """Several Sanction records for one programme (amendments, annexes) are one
        listing: from the earliest start, open unless every record has ended. An end
        date still in the future is a scheduled expiry, not a removal: left open."""
        starts = [d for d in (_day(link.start) for link in links) if d is not None]
        ends = [_day(link.end) for link in links]
        ends = [None if e is not None and e > self.today else e for e in ends]
        first = min(links, key=lambda link: _day(link.start) or dt.date.max)
        reasons = [link.summary for link in links if link.summary]
        self.result.designations += store.set_designation_periods(
            self.session,
            entity,
            list_id=list_id,
            list_name=first.list_name,
            periods=[
                (
                    min(starts) if starts else None,
                    None if None in ends else max(e for e in ends if e is not None),
                    "; ".join(dict.fromkeys(reasons)) or None,
                    self.source(first.cite),
                )
            ],
        )

    # --- deletions --------------------------------------------------------------------

    def write_deletes(self, when: dt.date) -> None:
        ids = sorted({self.known[d] for d in self.deletes if d in self.known})
        self.counts.ignored_deletes = sum(1 for d in self.deletes if d not in self.known)
        for i in range(0, len(ids), 500):
            for designation in self.session.scalars(
                select(Designation).where(
                    Designation.entity_id.in_(ids[i : i + 500]),
                    Designation.list_id.like(f"{LIST_PREFIX}%"),
                    Designation.end.is_(None),
                )
            ):
                if designation.start is None or designation.start <= when:
                    designation.end = when
                    self.result.updated += 1
            self.session.flush()


def _proxy(rec: _Record) -> ValueEntity:
    # A copy: the constructor pops caption and datasets out of the dict it is given.
    # Not ``cleaned=True``: FollowTheMoney's own cleaning (types, dates, countries) runs.
    return ValueEntity.from_dict(dict(rec.data), cleaned=False)


def _names(rec: _Record, proxy: ValueEntity) -> tuple[str, list[str], list[str]]:
    """(primary, strong names, weak aliases), each at most MAX_NAME characters."""
    names = [n for n in proxy.get("name") if len(n) <= MAX_NAME]
    caption = rec.data.get("caption")
    primary = caption if isinstance(caption, str) and caption else (names[0] if names else "")
    strong = names + proxy.get("alias") + proxy.get("previousName")
    weak = proxy.get("weakAlias") + proxy.get("abbreviation")
    return (
        primary[:MAX_NAME],
        [n for n in dict.fromkeys(strong) if n != primary and len(n) <= MAX_NAME],
        [n for n in dict.fromkeys(weak) if len(n) <= MAX_NAME],
    )


def _delta_date(path: Path) -> tuple[dt.date, str | None]:
    match = _VERSION.search(str(path))
    if match:
        return dt.datetime.strptime(match.group(1), "%Y%m%d").date(), match.group(0)
    return dt.datetime.now(dt.UTC).date(), None


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    loader = _Loader(session, path, result)
    when, result.edition = _delta_date(path)
    with progress(f"Importing {path.name}", path.stat().st_size) as advance:
        batch: list[_Record] = []
        read = 0
        for record in _read(path, advance):
            read += 1
            batch.append(record)
            if len(batch) >= CHUNK:
                loader.chunk(batch)
                batch = []
        if not read:
            raise BadImportError("empty file: no FollowTheMoney records", file=str(path))
        loader.chunk(batch)
    loader.write_links()
    loader.write_deletes(when)
    counts = loader.counts
    if any(vars(counts).values()):
        # Persons, addresses and ties to them are expected in sanctions data: not warnings.
        log.info("%s: skipped %s", path.name, {k: v for k, v in vars(counts).items() if v})
    return result
