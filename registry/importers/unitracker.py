"""Load ASPI's China Defence Universities Tracker from its MISP galaxy snapshot.

Each tracker entry becomes (or joins) one entity with its Chinese name, aliases and
acronyms, and is cited by its own tracker page. What the tracker states about it is
stored as facts: its category as a designation on the "aspi-unitracker" list (a
research database, not a government list: the list name says whose it is), supervising
agencies as ``supervised_by`` ties, subsidiaries and major defence laboratories as
``subsidiary_of`` ties. ASPI's ``description`` prose is never read; neither are the
notes ASPI mixed into its laboratory lists ("Jointly run with ...").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.result import ImportResult
from registry.importers.unitracker_names import (
    NOT_AN_ORGANISATION,
    Names,
    agency_kind,
    alias_names,
    fits_initials,
    is_weak,
    kind_for,
    parse_agency,
    parse_names,
    slug,
    unit_kind,
)
from registry.models import Entity, RelationType, Source
from registry.names.script import has_han
from registry.progress import Progress, silent
from registry.resolution import stated_country, unit_names
from registry.resolution.joins import Resolver

SOURCE_ID = "unitracker"
LIST_ID = "aspi-unitracker"
PUBLISHER = "Australian Strategic Policy Institute"
CATEGORIES = frozenset(
    [
        "Military",
        "Civilian",
        "Seven sons of national defence",
        "Defence industry conglomerate",
        "Security",
    ]
)


@dataclass
class Institution:
    line: int  # 1-based position in ``values``, for error messages
    key: str
    names: Names
    category: str
    url: str
    agencies: list[str]
    subsidiaries: list[str]
    labs: list[str]
    # Bodies the tracker gives among the entry's names that are its parts (a group's
    # academies, a university's laboratories): entities of their own, tied to it.
    units: list[Names] = field(default_factory=list)


def _strings(value: Any, *, file: str, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadImportError("expected a list of strings", file=file, field=where)
    return value


def _institutions(doc: Any, file: str) -> Iterator[Institution]:
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise BadImportError("not a MISP galaxy cluster (no 'values' list)", file=file)
    for i, item in enumerate(doc["values"], 1):
        where = f"values[{i - 1}]"
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise BadImportError("entry needs a 'value' name", file=file, field=where)
        meta = item.get("meta") or {}
        if not isinstance(meta, dict):
            raise BadImportError("'meta' must be an object", file=file, field=f"{where}.meta")
        categories = _strings(meta.get("categories"), file=file, where=f"{where}.categories")
        unknown = [c for c in categories if c not in CATEGORIES]
        if len(categories) != 1 or unknown:
            raise BadImportError(
                f"expected one known category, got {categories!r}",
                file=file,
                field=f"{where}.meta.categories",
            )
        refs = _strings(meta.get("refs"), file=file, where=f"{where}.meta.refs")
        url = next((r for r in refs if r.startswith("https://unitracker.aspi.org.au/")), None)
        if url is None:
            raise BadImportError("no tracker page in refs", file=file, field=f"{where}.meta.refs")
        names = parse_names(item["value"])
        if names is None:
            raise BadImportError("no name", file=file, field=f"{where}.value")
        entries = _strings(meta.get("aliases"), file=file, where=f"{where}.meta.aliases")
        firsts = [found[0] for found in map(alias_names, entries) if found]
        acronyms = [n for e in entries for n in alias_names(e) if is_weak(n)]
        parts = unit_names(names.name, firsts, acronyms)
        units: list[Names] = []
        for alias in entries:
            found = alias_names(alias)
            if found and found[0] in parts:
                if (unit := parse_names(alias)) is not None:
                    # "13th Institute, CASC (CALT)": the bracket names the academy the
                    # institute belongs to, not the institute.
                    unit.aliases = [
                        a for a in unit.aliases if not is_weak(a) or fits_initials(a, unit.name)
                    ]
                    units.append(unit)
                continue
            names.aliases += [a for a in found if a not in names.all()]
        yield Institution(
            line=i,
            key=f"unitracker-{slug(url.rstrip('/').rsplit('/', 1)[-1])}",
            names=names,
            category=categories[0],
            url=url,
            agencies=_strings(
                meta.get("supervising agencies"), file=file, where=f"{where}.meta.agencies"
            ),
            subsidiaries=_strings(
                meta.get("subsidiaries"), file=file, where=f"{where}.meta.subsidiaries"
            ),
            labs=_strings(
                meta.get("major defence laboratories"), file=file, where=f"{where}.meta.labs"
            ),
            units=units,
        )


class _Loader:
    def __init__(self, session: Session, result: ImportResult) -> None:
        self.session = session
        self.result = result
        self.resolver = Resolver(session)
        # Entity id -> tracker entry that claimed it: two entries are two organisations.
        self.claimed: dict[int, str] = {}

    def _find(self, names: Names, *, key: str) -> Entity | None:
        found = store.entity_by_key(self.session, key)
        if found is not None:
            return found
        own = self.resolver.find([names.name, names.native])
        if own.entity is None:
            strong = [a for a in names.aliases if not is_weak(a)]
            own = self.resolver.find(strong)
            self.result.near_misses += own.near_misses
        if own.entity is None:
            return None
        merge = f"{names.name!r} into {own.entity.name!r} ({own.reason})"
        if not own.entity.key.startswith(("unitracker-", "agency-")) and (
            merge not in self.result.merged
        ):
            self.result.merged.append(merge)
        return own.entity

    def entity(
        self,
        names: Names,
        *,
        key: str,
        kind: str,
        source: Source,
        entry: bool = False,
        owner: Entity | None = None,
    ) -> Entity:
        """Find or create the entity; ``entry``: a tracker entry, never merged with another;
        ``owner``: the body a unit belongs to, which the unit never is (the tracker gives
        CAEP's research centres among CAEP's names: they are its units, not CAEP)."""
        entity = self._find(names, key=key)
        if owner is not None and entity is owner:
            entity = None
        if entry and entity is not None and self.claimed.setdefault(entity.id, key) != key:
            self.result.near_misses.append(
                f"{names.name!r} ~ {entity.name!r} (kept apart: two tracker entries)"
            )
            entity = None
        if entity is None:
            entity = store.new_entity(
                self.session,
                key=key,
                name=names.name,
                kind=kind,
                native_name=names.native,
                # "FACC AG (Austria)": a unit abroad keeps the country the tracker states.
                country=stated_country(names.name, "CN"),
            )
            self.result.created += 1
        elif entity.native_name is None and names.native:
            entity.native_name = names.native
            self.result.updated += 1
        else:
            self.result.unchanged += 1
        if entity.country is None:
            entity.country = stated_country(names.name, "CN")
        if names.native and entity.native_name == names.native:
            # The tracker page is where this native name is written: it sources it.
            store.add_chinese_name(self.session, entity, names.native, source=source)
        for alias in names.all():
            store.add_alias(
                self.session,
                entity,
                alias,
                lang="zh" if has_han(alias) else "en",
                weak=is_weak(alias),
                source=source,
            )
        self.session.flush()
        self.resolver.register(entity, [a for a in names.all() if not is_weak(a)])
        if entry:
            self.claimed.setdefault(entity.id, key)
        return entity

    def tie(
        self,
        subject: Entity,
        object_: Entity,
        type_: str,
        source: Source,
        summary: str | None = None,
    ) -> None:
        if subject.id == object_.id:
            return
        self.result.relationships += store.add_relationship(
            self.session, subject, object_, type_, sources=[source], summary=summary
        )


def _source(session: Session, inst: Institution) -> Source:
    return store.get_source(
        session,
        title=f"China Defence Universities Tracker: {inst.names.name}",
        publisher=PUBLISHER,
        url=inst.url,
        # The pages carry no date; the snapshot was scraped in 2020. No date beats a guess.
        published=None,
    )


def _units(texts: Iterable[str]) -> Iterator[Names]:
    for text in texts:
        names = parse_names(text)
        if names is not None and not NOT_AN_ORGANISATION.search(names.name):
            yield names


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    file = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadImportError(f"cannot read ({exc})", file=file) from exc
    except json.JSONDecodeError as exc:
        raise BadImportError(f"not JSON ({exc.msg})", file=file, line=exc.lineno) from exc
    institutions = list(_institutions(doc, file))
    result = ImportResult(source=SOURCE_ID, files=[file])
    loader = _Loader(session, result)

    # Every entry first, so that ties between entries (AMS supervises, CARDC is its
    # subsidiary) join the entry's entity rather than create a second one.
    entities: dict[str, Entity] = {}
    for inst in institutions:
        source = _source(session, inst)
        entity = loader.entity(
            inst.names,
            key=inst.key,
            kind=kind_for(inst.names, inst.category),
            source=source,
            entry=True,
        )
        entities[inst.key] = entity
        result.designations += store.set_designation_periods(
            session,
            entity,
            list_id=LIST_ID,
            list_name=f"ASPI China Defence Universities Tracker (category: {inst.category})",
            periods=[(None, None, None, source)],
        )

    for inst in institutions:
        _load_ties(loader, inst, entities[inst.key], _source(session, inst))
    session.flush()
    return result


def _load_ties(loader: _Loader, inst: Institution, entity: Entity, source: Source) -> None:
    for text in inst.agencies:
        names = parse_agency(text)
        if names is None:
            continue
        agency = loader.entity(
            names, key=f"agency-{slug(names.name)}", kind=agency_kind(names.name), source=source
        )
        loader.tie(entity, agency, RelationType.SUPERVISED_BY, source)
    for names in _units(inst.subsidiaries):
        unit = loader.entity(
            names,
            key=f"unitracker-unit-{slug(names.name)}",
            kind=unit_kind(names, entity),
            source=source,
            owner=entity,
        )
        note = "The tracker marks this tie as probable." if names.probable else None
        loader.tie(unit, entity, RelationType.SUBSIDIARY_OF, source, summary=note)
    for names in inst.units:
        unit = loader.entity(
            names,
            key=f"unitracker-unit-{slug(names.name)}",
            kind=unit_kind(names, entity),
            source=source,
            owner=entity,
        )
        summary = f"Given by the tracker among the names of {inst.names.name}: one of its units."
        loader.tie(unit, entity, RelationType.SUBSIDIARY_OF, source, summary=summary)
    for names in _units(inst.labs):
        lab = loader.entity(
            names,
            key=f"unitracker-unit-{slug(names.name)}",
            kind=kind_for(names),
            source=source,
            owner=entity,
        )
        summary = f"Listed as a major defence laboratory of {inst.names.name}."
        loader.tie(lab, entity, RelationType.SUBSIDIARY_OF, source, summary=summary)
