"""Helpers shared by the public-list importers (DoD 1260H, OFAC NS-CMIC, trade.gov CSL).

- Reading: a CSV file is decoded and parsed completely before anything is written, and
  every problem names the file, line and field (``BadImportError``).
- Names: published spellings tidied, acronyms in trailing brackets split off, short
  all-caps acronyms marked weak.
- Organisations: ``Organisations.upsert`` gives one entity per organisation, joining
  existing entities only through ``Resolver`` (codes, exact normalised names).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.result import ImportResult
from registry.models import Entity, EntityKind, Source
from registry.names.legal_forms import TRAILING_FORMS
from registry.names.normalize import slugify
from registry.names.places import MAINLAND_PLACE_WORDS
from registry.resolution import name_key
from registry.resolution.joins import Resolver, token_key

T = TypeVar("T")

# --- reading -------------------------------------------------------------------------

# Legacy exports end with a DOS end-of-file marker on a line of its own.
_EOF_MARKER = "\x1a"


@dataclass(frozen=True)
class Record:
    line: int
    values: list[str]


_GZIP_MAGIC = b"\x1f\x8b"


def read_text(path: Path) -> str:
    """The file's UTF-8 text, gunzipped first when it is gzip data (``.csv.gz``)."""
    file = str(path)
    try:
        data = path.read_bytes()
        if data.startswith(_GZIP_MAGIC):
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadImportError(f"cannot read file ({exc})", file=file) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadImportError(f"not UTF-8 text ({exc.reason})", file=file, line=line) from exc


def read_records(path: Path) -> list[Record]:
    """Every non-empty CSV record of ``path`` with the line it ends on."""
    file = str(path)
    text = read_text(path)
    # strict: a quoted field still open at the end of the file means it was cut short.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[Record] = []
    try:
        for values in reader:
            if not values or values == [_EOF_MARKER] or all(not v.strip() for v in values):
                continue
            records.append(Record(reader.line_num, values))
    except csv.Error as exc:
        raise BadImportError(f"malformed CSV ({exc})", file=file, line=reader.line_num) from exc
    if not records:
        raise BadImportError("empty file", file=file)
    return records


def check_width(record: Record, width: int, *, file: str) -> None:
    if len(record.values) != width:
        raise BadImportError(
            f"expected {width} fields, found {len(record.values)} (truncated or malformed row)",
            file=file,
            line=record.line,
        )


def read_table(
    path: Path, required: Sequence[str]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """A CSV file with a header row: (header, [(line, {column: value})])."""
    file = str(path)
    header_record, *body = read_records(path)
    header = [h.strip() for h in header_record.values]
    missing = [c for c in required if c not in header]
    if missing:
        raise BadImportError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(header)}",
            file=file,
            line=header_record.line,
            field=missing[0],
        )
    if not body:
        # A header alone is a cut-short download, not an edition that lists no one.
        raise BadImportError(
            "a header and no rows (an empty or cut-short file)", file=file, line=header_record.line
        )
    rows = []
    for record in body:
        check_width(record, len(header), file=file)
        rows.append((record.line, dict(zip(header, record.values, strict=True))))
    return header, rows


def read_rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """``read_table``'s rows, refusing a file that has a header and nothing else."""
    _, rows = read_table(path, required)
    if not rows:
        raise BadImportError("no rows after the header", file=str(path), line=1)
    return rows


def union_groups(items: Sequence[T], keys: Callable[[T], set[str]]) -> list[list[T]]:
    """Items that share any key, transitively, in one group each (union-find); groups in
    the order of their first item."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for item in items:
        first, *others = sorted(keys(item))
        for other in others:
            parent[root(other)] = root(first)
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(root(min(keys(item))), []).append(item)
    return list(groups.values())


def parse_date(
    value: str, *, file: str, line: int, field: str, fmt: str | None = None
) -> dt.date | None:
    """An ISO date (or ``fmt``); empty means unknown, anything else is an error."""
    value = value.strip()
    if not value:
        return None
    try:
        if fmt is None:
            return dt.date.fromisoformat(value)
        return dt.datetime.strptime(value, fmt).date()
    except ValueError as exc:
        raise BadImportError(f"not a date: {value!r}", file=file, line=line, field=field) from exc


# --- names ---------------------------------------------------------------------------

_TRAILING_BRACKET = re.compile(r"\s*[(\[]([^()\[\]]+)[)\]]\s*$")
# Brackets that are part of the legal name, not an acronym: "... Group (Limited)".
_LEGAL_IN_BRACKETS = TRAILING_FORMS | {"group"}


_PUNCT = re.compile(r"[^\w]+")
_C1 = re.compile("[\x80-\x9f]")


def tidy(name: str) -> str:
    """Collapse whitespace; repair C1 control characters left by a cp1252 round trip
    (``Gui\\x92an`` is ``Gui’an``)."""
    if _C1.search(name):
        name = "".join(_from_cp1252(ch) for ch in name)
    return " ".join(name.split())


def _from_cp1252(ch: str) -> str:
    if "\x80" <= ch <= "\x9f":
        try:
            return ch.encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:
            return " "
    return ch


def split_trailing_alias(name: str) -> tuple[str, str | None]:
    """``"Dawning Information Industry Co., Ltd. (Sugon)"`` -> (name, ``"Sugon"``)."""
    name = tidy(name)
    match = _TRAILING_BRACKET.search(name)
    if match is None or match.group(1).strip().lower().rstrip(".") in _LEGAL_IN_BRACKETS:
        return name, None
    head = name[: match.start()].rstrip()
    if not head:
        return name, None
    return head, match.group(1).strip()


def is_weak(alias: str) -> bool:
    """Short all-caps acronyms ("AVIC", "CETC 13") match only an exact query."""
    letters = [ch for ch in alias if ch.isalpha()]
    return 0 < len(letters) <= 5 and not any(ch.islower() for ch in alias)


_TEACHING_WORDS = re.compile(r"\b(?:university|college|institute of technology)\b", re.I)
_RESEARCH_WORDS = re.compile(r"\b(?:institute|academy|laboratory|center|centre)\b", re.I)


def guess_kind(name: str) -> str:
    """The kind a list entry's own name states; anything else is a company. A legal form
    at the end outweighs the words before it ("... Research Institute Co., Ltd." is a
    company); an "Institute of Technology" teaches (理工, 工业大学); an academy or an
    institute researches ("China Academy of Launch Vehicle Technology")."""
    key = name_key(name)
    if key is not None and key.form is not None:
        return EntityKind.COMPANY
    if _TEACHING_WORDS.search(name):
        return EntityKind.UNIVERSITY
    if _RESEARCH_WORDS.search(name):
        return EntityKind.RESEARCH_INSTITUTE
    return EntityKind.COMPANY


# Statutes shorten "Co., Ltd." to "Company" ("Huawei Technologies Company", "Yangtze Memory
# Technologies Corp"): name keys keep those words, while they drop "Co., Ltd.".
_TRAILING_LEGAL_FORM = re.compile(
    r"(?:[\s,]+(?:Company|Corporation|Corp\.?|Co\.?|Limited|Ltd\.?))+\s*$", re.IGNORECASE
)
_SHORTHAND = re.compile(r"Compan|Corp", re.IGNORECASE)


def without_legal_form(name: str) -> str | None:
    """The name without a trailing "Company"/"Corporation" form, to look an organisation up
    by (never stored); None when there is none. "Inc." or "LLC" are left alone: "Kaspersky
    Lab, Inc." is not "AO Kaspersky Lab"."""
    match = _TRAILING_LEGAL_FORM.search(name)
    if match is None or not _SHORTHAND.search(match.group(0)):
        return None
    short = name[: match.start()].strip(" ,")
    return short or None


# Chinese companies register as <place> <brand> <trade> <form> ("Zhejiang Dahua Technology
# Co., Ltd."); statutes drop the place ("Dahua Technology Company").
# The mainland places a registered name may start with (``registry.names.places``).
CHINESE_PLACES = MAINLAND_PLACE_WORDS


def with_place(name: str) -> list[str]:
    """The name as registered in each Chinese province or major city, to look a statute's
    short name up by (never stored; a resolver joins only a single hit)."""
    if any(name.startswith(place + " ") for place in CHINESE_PLACES):
        return []
    return [f"{place} {name}" for place in CHINESE_PLACES]


def registered_names(short_name: str) -> list[str]:
    """Names a statute's or the FCC's short form ("Dahua Technology Company") may be
    registered under, to look the organisation up by: without "Company", then with a
    Chinese place in front. Never stored; the resolver joins only a single hit."""
    short = without_legal_form(short_name)
    return [*([short] if short else []), *with_place(short or short_name)]


def unique(names: Iterable[str | None]) -> list[str]:
    """Names in order, each spelling once (see ``_fold``)."""
    seen: set[str] = set()
    out = []
    for name in names:
        if not name:
            continue
        name = tidy(name)
        folded = _fold(name)
        if name and folded not in seen:
            seen.add(folded)
            out.append(name)
    return out


def _fold(name: str) -> str:
    """Case, spacing and punctuation folded: "Co., Ltd" and "Co. Ltd." are one spelling."""
    return " ".join(_PUNCT.sub(" ", name.casefold()).split())


# --- organisations -------------------------------------------------------------------

# Schemes whose code names exactly one organisation: two codes, two organisations.
ONE_PER_ORGANISATION = frozenset({"uscc", "ofac"})


@dataclass
class Incoming:
    """One organisation as a list describes it."""

    name: str
    aliases: list[str] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)
    country: str | None = None
    kind: str = EntityKind.COMPANY
    # Further names that may find an existing entity; the importer adds them later.
    lookup: list[str] = field(default_factory=list)

    def strong_names(self) -> list[str]:
        return [self.name, *(a for a in self.aliases if not is_weak(a))]

    def lookup_names(self) -> list[str]:
        return [*self.strong_names(), *(n for n in self.lookup if not is_weak(n))]


@dataclass
class Upserted:
    entity: Entity
    created: bool
    merged: bool
    names_added: int


class Organisations:
    """One entity per organisation for one import: resolve, create or extend.

    Never a wrong merge: an entity holding a different code of a scheme that names one
    organisation (USCC, OFAC entity number) is someone else, and a name that already
    belongs to another entity is not added as an alias. Both are reported as near misses
    ("kept apart") for a person to look at.
    """

    def __init__(self, session: Session, result: ImportResult, *, list_ids: Sequence[str]) -> None:
        self.session = session
        self.result = result
        self.list_ids = frozenset(list_ids)
        self.resolver = Resolver(session)
        self._created: set[int] = set()

    def upsert(
        self,
        incoming: Incoming,
        source: Source,
        *,
        not_: Entity | None = None,
        prefer: Entity | None = None,
    ) -> Upserted:
        """``not_``: an entity the incoming organisation is known not to be (its parent);
        ``prefer``: the entity it is when its names alone are ambiguous (the one an
        earlier import of the same list made for it)."""
        found = self.resolver.find(incoming.lookup_names(), incoming.codes)
        entity, merged = found.entity or prefer, False
        if entity is not None and self._codes_differ(entity, incoming.codes):
            self._note(f"{incoming.name!r} ~ {entity.name!r} (different codes; kept apart)")
            entity = None
        if entity is not None and entity is not_:
            self._note(f"{incoming.name!r} ~ {entity.name!r} (its stated parent; kept apart)")
            entity = None
        created = entity is None
        if entity is None:
            entity = self._create(incoming)
            self.result.created += 1
            for miss in found.near_misses:
                self._note(miss)
        elif self._is_merge(entity):
            merged = True
            self.result.merged.append(f"{incoming.name!r} -> {entity.name!r} ({found.reason})")
        if entity.country is None and incoming.country:
            entity.country = incoming.country
        added = self.add_names(entity, [incoming.name, *incoming.aliases], source)
        added += self._add_codes(entity, incoming.codes, source)
        self.session.flush()
        return Upserted(entity, created, merged, added)

    def add_names(self, entity: Entity, names: Iterable[str], source: Source) -> int:
        """Add names the entity lacks; case, spacing and punctuation variants are not new
        names, and another entity's name is not this one's alias."""
        known = {_fold(entity.name)} | {_fold(a.name) for a in entity.aliases}
        if entity.native_name:
            known.add(_fold(entity.native_name))
        added = 0
        for name in unique(names):
            if _fold(name) in known:
                continue
            known.add(_fold(name))
            owner = None if is_weak(name) else self._owner(name)
            if owner is not None and owner is not entity:
                self._note(
                    f"{name!r} ~ {owner.name!r} "
                    f"(a name of {entity.name!r} in {self.result.source}; kept apart)"
                )
                continue
            added += store.add_alias(self.session, entity, name, weak=is_weak(name), source=source)
        self.session.flush()
        self.resolver.register(entity, [a.name for a in entity.aliases if not a.weak])
        return added

    def _add_codes(self, entity: Entity, codes: Sequence[tuple[str, str]], source: Source) -> int:
        added = 0
        for scheme, value in codes:
            holder = store.entity_by_identifier(self.session, scheme, value)
            if holder is not None and holder is not entity:
                self._note(f"{scheme.upper()} {value} of {entity.name!r} is {holder.name!r}'s")
                continue
            added += store.add_identifier(self.session, entity, scheme, value, source)
        self.resolver.register(entity, codes=codes)
        return added

    def _owner(self, name: str) -> Entity | None:
        """The one entity that already has this name, if any (no near-miss scan)."""
        reporting = self.resolver.report_near_misses
        self.resolver.report_near_misses = False
        try:
            return self.resolver.find([name]).entity
        finally:
            self.resolver.report_near_misses = reporting

    @staticmethod
    def _codes_differ(entity: Entity, codes: Sequence[tuple[str, str]]) -> bool:
        held = {(i.scheme, i.value) for i in entity.identifiers}
        schemes = {scheme for scheme, _ in held}
        return any(
            s in ONE_PER_ORGANISATION and s in schemes and (s, v) not in held for s, v in codes
        )

    def _note(self, note: str) -> None:
        if note not in self.result.near_misses:
            self.result.near_misses.append(note)

    def _is_merge(self, entity: Entity) -> bool:
        """Joining an entity that another source made, not one these lists already have."""
        if entity.id in self._created:
            return False
        return not any(d.list_id in self.list_ids for d in entity.designations)

    def _create(self, incoming: Incoming) -> Entity:
        entity = store.new_entity(
            self.session,
            key=self._new_key(incoming.name),
            name=incoming.name,
            kind=incoming.kind,
            country=incoming.country,
        )
        self.session.flush()
        self._created.add(entity.id)
        self.resolver.register(entity)
        return entity

    def _new_key(self, name: str) -> str:
        # Keys of list entities share one "org-" namespace; curated keys have none.
        base = "org-" + (slugify(name, sep="-") or "unnamed")[:150]
        key, n = base, 2
        while store.entity_by_key(self.session, key) is not None:
            key, n = f"{base}-{n}", n + 1
        return key

    def designate(
        self,
        incoming: Incoming,
        source: Source,
        *,
        list_id: str,
        list_name: str,
        periods: Sequence[tuple[dt.date | None, dt.date | None, str | None, Source]],
    ) -> Entity:
        """Upsert the organisation and bring its periods on ``list_id`` in line; counted."""
        upserted = self.upsert(incoming, source)
        changes = store.set_designation_periods(
            self.session, upserted.entity, list_id=list_id, list_name=list_name, periods=periods
        )
        self.tally(upserted, changes)
        return upserted.entity

    def tally(self, upserted: Upserted, designation_changes: int) -> None:
        """Count an entity as created, updated or unchanged in the import summary."""
        self.result.designations += designation_changes
        if upserted.created:
            return
        if upserted.merged or upserted.names_added or designation_changes:
            self.result.updated += 1
        else:
            self.result.unchanged += 1


def org_key(name: str) -> str:
    """The key two spellings of one organisation share ("Co., Ltd" vs "Co. Ltd.")."""
    return token_key(name)
