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

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.result import ImportResult
from registry.models import Entity, EntityKind, RelationType, Source
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

# "BUAA", "NJTech", "A/SEU": an acronym answers an exact query only (weak alias).
_ACRONYM = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z0-9&/.\-]{2,8}$")
_AKA = re.compile(
    r",?\s+(?:a\.k\.a\.?,?|aka|also known as(?: the)?|now known as(?: the)?)\s+", re.IGNORECASE
)
_PAREN_AKA = re.compile(r"\s*\((?:a\.k\.a\.?,?|aka)\s+([^)]*)\)", re.IGNORECASE)
# Notes ASPI interleaved with laboratory names; they are its prose, not names.
_NOTE_START = re.compile(
    r"^(?:[a-z(]|(?:A|An|Aka|Also|Based|Does|Established|Hosts|In|It|Jointly|Linked|"
    r"Literally|Located|May|Not|One|Originally|Possibly|Previously|Probably|The lab|This|"
    r"Unspecified)\b)"
)
# Prose around a name in a list of names: "Under HUST's Institute of ... (...), one of
# seven research centers under ...". The words that place the body ("Under", "Part of")
# and the clause that describes it go; the name stays.
_DESCRIPTIVE_HEAD = re.compile(
    r"^(?:Under|Within|Part of|Affiliated (?:to|with)|Subordinate to|Run by)\s+", re.IGNORECASE
)
_DESCRIPTIVE_TAIL = re.compile(
    r",\s+(?:one of|part of|which|that|located|based in|established|formerly|now part)\b.*$",
    re.IGNORECASE,
)
_ABBREVIATION = re.compile(r"\b(Ltd|Co|Corp|Inc|No)\.")
_SENTENCE_END = re.compile(r"[a-z]{2}\. [A-Z]")
_TRUNCATED = re.compile(r"(?:’s|'s)?\s+\d+$")  # "Jointly established with CETC’s 14"
# Internal offices and sites, not organisations: not worth an entity of their own.
_NOT_AN_ORGANISATION = re.compile(r"\b(?:Campus|Department)\b|校区$|部$")

_RESEARCH = re.compile(r"研究院|研究所|中心|实验室|科学院")
_TEACHING = re.compile(r"大学|学院|学校")
_COMPANY = re.compile(
    r"\b(?:Co\.|Company|Ltd|Limited|PLC|AG|Holdings?|Corp\.?|Corporation|Group|Industry)\b"
    r"|公司"
)
_RESEARCH_EN = re.compile(r"\b(?:Laborator(?:y|ies)|Lab|Institute|Center|Centre)\b")
_TEACHING_EN = re.compile(r"\b(?:University|College|Academy|School)\b")


def is_note(text: str) -> bool:
    """True for ASPI's annotations inside name lists; the importer and the script that
    strips the shipped copy both use this, so no note is stored or shipped."""
    text = " ".join(text.split())
    if text.startswith("[Probable]"):
        return False
    # "Co., Ltd." ends a name, not a sentence.
    plain = _ABBREVIATION.sub(r"\1", text)
    return bool(
        not text
        or _NOTE_START.match(text)
        or _TRUNCATED.search(text)
        or plain.endswith(".")
        or _SENTENCE_END.search(plain)  # "a.k.a. X" is no sentence end
    )


@dataclass
class Names:
    """An organisation's names as the tracker writes them: "English (中文)"."""

    name: str
    native: str | None
    aliases: list[str] = field(default_factory=list)
    probable: bool = False

    def all(self) -> list[str]:
        return [self.name, *([self.native] if self.native else []), *self.aliases]


def _closing(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``start``, or len(text) if unclosed."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text)


def _split_paren(part: str) -> tuple[str, list[str]]:
    """Cut the bracket holding Chinese names (possibly unclosed) off a name; other
    brackets, as in "China University of Geosciences (Wuhan)", stay in the name."""
    part = part.replace("（", "(").replace("）", ")")
    for match in re.finditer(r"\(", part):
        close = _closing(part, match.start())
        inner = part[match.end() : close]
        if has_han(inner):
            english = " ".join((part[: match.start()] + part[close + 1 :]).split())
            # "区块链研究院; located in Shenzhen": keep names, drop the remark.
            extra = [x.strip() for x in re.split(r"[/;,]", inner) if x.strip()]
            return english.strip(" ,"), [x for x in extra if has_han(x) or _ACRONYM.match(x)]
    return part.strip(" ,"), []


def _latin_names(text: str) -> list[str]:
    """ "A / B" are alternatives; "Name (ACRONYM)" is a name and its acronym."""
    out: list[str] = []
    for alt in re.split(r"\s*/\s*", text) if "/" in text and " " in text else [text]:
        match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", alt)
        if match and _ACRONYM.match(match.group(2)):
            out += [match.group(1), match.group(2)]
        elif alt:
            out.append(alt)
    return out


def cut_description(text: str) -> str:
    """The name in a tracker string that wraps it in ASPI's prose (see above)."""
    return _DESCRIPTIVE_HEAD.sub("", _DESCRIPTIVE_TAIL.sub("", text)).strip()


def parse_names(text: str) -> Names | None:
    """Split one tracker string into a primary name, a Chinese name and aliases."""
    text = " ".join(text.split())
    probable = text.startswith("[Probable]")
    text = cut_description(text.removeprefix("[Probable]").strip())
    if not text or is_note(text):
        return None
    english: list[str] = []
    chinese: list[str] = []
    for part in _AKA.split(text):
        # "A or B": two names for one body, as in "..., aka A or B".
        for piece in re.split(r"\s+or\s+(?=[A-Z])", part):
            latin, extra = _split_paren(piece)
            for name in _latin_names(latin):
                (chinese if has_han(name) else english).append(name)
            chinese += [x for x in extra if has_han(x)]
            english += [x for x in extra if not has_han(x)]
    names = list(dict.fromkeys(english + chinese))
    if not names:
        return None
    primary = english[0] if english else chinese[0]
    native = chinese[0] if chinese and chinese[0] != primary else None
    aliases = [n for n in names if n not in (primary, native)]
    return Names(primary, native, aliases, probable)


def alias_names(text: str) -> list[str]:
    """One entry of the tracker's alias list: "X (a.k.a. Y)", "X (ACRONYM)"."""
    out: list[str] = []
    for piece in _PAREN_AKA.split(" ".join(text.split())):
        out += _latin_names(piece.strip()) if piece.strip() else []
    return out


def fits_initials(acronym: str, name: str) -> bool:
    """Whether an acronym's letters follow the initials of the name's words, in order
    ("CALT" of "China Academy of Launch Vehicle Technology")."""
    initials = iter(w[0].upper() for w in re.findall(r"[A-Za-z]+", name))
    return all(letter in initials for letter in acronym.upper() if letter.isalpha())


def is_weak(alias: str) -> bool:
    """Acronyms and two-character Chinese abbreviations ("北大", "九院") are ambiguous."""
    if has_han(alias):
        return len(alias) <= 2
    return bool(_ACRONYM.match(alias))


def kind_for(names: Names, category: str | None = None) -> str:
    """Chinese names say what a body is (大学 or 研究所) more reliably than English."""
    if category == "Defence industry conglomerate":
        return EntityKind.STATE_OWNED_GROUP
    # The main Chinese name decides; aliases may name a lab the body hosts.
    han = names.native or next((n for n in names.all() if has_han(n)), "")
    if han:
        if re.search(r"公司$|有限公司|股份", han):
            return EntityKind.COMPANY
        if _RESEARCH.search(han):
            return EntityKind.RESEARCH_INSTITUTE
        if _TEACHING.search(han):
            return EntityKind.UNIVERSITY
    if _COMPANY.search(names.name):
        return EntityKind.COMPANY
    if re.search(r"Academy of .*Science|Institute of (?!Technology)", names.name):
        return EntityKind.RESEARCH_INSTITUTE
    if _TEACHING_EN.search(names.name):
        return EntityKind.UNIVERSITY
    if _RESEARCH_EN.search(names.name):
        return EntityKind.RESEARCH_INSTITUTE
    return EntityKind.MILITARY_UNIT if category == "Military" else EntityKind.OTHER


def unit_kind(names: Names, parent: Entity) -> str:
    """A unit's kind: a group's or a company's "academy" is a research academy (CASC's
    China Academy of Space Technology), not a university."""
    kind = kind_for(names)
    business = (EntityKind.STATE_OWNED_GROUP, EntityKind.COMPANY)
    if kind == EntityKind.UNIVERSITY and parent.kind in business:
        return EntityKind.RESEARCH_INSTITUTE
    return kind


def agency_kind(name: str) -> str:
    if re.match(r"PLA\b|People's Armed Police", name):
        return EntityKind.MILITARY_UNIT
    if re.search(r"Corporation|Group\b|Sinopec", name):
        return EntityKind.STATE_OWNED_GROUP
    if re.search(r"Academy|Institute", name):
        return EntityKind.RESEARCH_INSTITUTE
    return EntityKind.GOVERNMENT_BODY


def parse_agency(text: str) -> Names | None:
    """ "Ministry of Education (MOE)": the acronym in brackets is a weak alias."""
    text = " ".join(text.split())
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", text)
    if match and not has_han(match.group(2)):
        return Names(match.group(1), None, [match.group(2)])
    return parse_names(text)


def slug(text: str) -> str:
    """A stable key part: ASCII words, or a digest for a name in Chinese only."""
    ascii_words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]
    return ascii_words or hashlib.sha1(text.encode()).hexdigest()[:12]


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
        if names is not None and not _NOT_AN_ORGANISATION.search(names.name):
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
