"""Write a chunk of FollowTheMoney organisations: new entities and their names with
table-level inserts, joins to entities of other sources through the ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from followthemoney import ValueEntity
from sqlalchemy import Table, insert, select

from registry import store
from registry.changelog import log_bulk
from registry.importers.ftm_records import Record, record_names
from registry.importers.ftm_state import KINDS, Cite, LoaderState
from registry.models import Alias, ChangeKind, Entity, Identifier, Source
from registry.names.script import LATIN_OR_HAN, has_han
from registry.text import clean_text

# Table-level (Core) inserts: the ORM's bulk path costs more per row than the database.
ENTITIES = cast(Table, Entity.__table__)
ALIASES = cast(Table, Alias.__table__)
IDENTIFIERS = cast(Table, Identifier.__table__)
MAX_RESOLVE = 12  # names tried per record; OpenSanctions entities can carry dozens


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

    def add(self, names: _Names, loader: EntityWriter) -> None:
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
                        "lang": "zh" if has_han(name) and not weak else None,
                        "weak": weak,
                        "source_id": names.source_id,
                    }
                )
    return rows


class EntityWriter(LoaderState):
    def write_entities(self, orgs: list[tuple[Record, ValueEntity]]) -> None:
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

    def names(self, rec: Record, proxy: ValueEntity) -> _Names | None:
        primary, strong, weak = record_names(rec, proxy)
        if not primary:
            return None
        cite = self.cite_dataset(rec.data)
        source_id = self.source_id(cite) if cite else None
        codes = [("uscc", v) for v in proxy.get("uscCode", quiet=True) if len(v) <= 100]
        return _Names(primary, strong, weak, codes, source_id)

    def source_id(self, cite: Cite) -> int:
        found = self.source_ids.get(cite)
        if found is None:
            source = self.source(cite)
            if source.id is None:
                self.session.flush()
            found = self.source_ids[cite] = source.id
        return found

    def join(self, entity: Entity, rec: Record, names: _Names) -> None:
        """Names and codes onto an entity from another source, through the ORM."""
        source = self.session.get(Source, names.source_id) if names.source_id else None
        for name in names.strong:
            lang = "zh" if has_han(name) else None
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
        rec: Record,
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
            "native_name": next((n for n in names.strong if has_han(n)), None),
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
