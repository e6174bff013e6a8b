"""Load the Commerce Entity List and Military End-User (MEU) list, China and Hong Kong
parties, from trade.gov's Consolidated Screening List (CSL), in trade.gov's own formats.

``mcf-bot import csl FILE`` takes either format, plain or gzipped, and tells them apart by
their content:

- the CSV download (``consolidated.csv``), in its current header (starts with ``_id``) or
  the older one (no ``_id``): one row per party, every list of the CSL together;
- the JSON that trade.gov's search API serves (``{"entities": [...], "count": N,
  "lastUpdate": ...}``), read by ``registry.importers.csl_json``.

What is kept of each party with an address in China or Hong Kong (the country comes from
the addresses; the JSON's ``country`` is always "Unknown"): its name and alternate names,
the effective date, each Federal Register citation as a source that links to the notice
on federalregister.gov (the CSL's own links are short links: never shown), and the
entry's licence requirement and licence review policy, which are what the listing means.
The JSON's ``listingReason`` is a placeholder and is never read. Addresses are not stored.

Editions. The CSL shows current listings only. A file that is a whole edition (see
``Edition.full``) closes the open period of every party of its lists that it no longer
holds, "not in the edition of <date>", cited to that edition; a party that is still
there under a slightly different spelling (``?s`` for ``'s``, spacing, punctuation, one
letter) keeps its period. Extracts never close anything: absence from a sample proves
nothing. The CSV's NS-CMIC rows give the "Linked To:" ties of parties the ``ofac-cons``
importer loaded (joined by OFAC entity number).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import (
    Incoming,
    Organisations,
    guess_kind,
    is_weak,
    org_key,
    read_table,
    read_text,
    split_trailing_alias,
    tidy,
    unique,
    with_place,
)
from registry.importers.parents import parent_chain, unit_name, without_stated_parent
from registry.importers.result import ImportResult
from registry.models import Alias, Designation, Entity, ImportRun, RelationType, Source
from registry.progress import Progress, silent

SOURCE_ID = "csl"
COLUMNS = (
    "source",
    "name",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "source_list_url",
    "alt_names",
)
# (prefix of the CSL "source" column, list_id, list_name): every list the CSL
# consolidates that names organisations. The Palestinian Legislative Council list names
# persons only and is not loaded; NS-CMIC comes from OFAC's own file (``ofac-cons``), its
# CSL rows give only the "Linked To:" ties below.
LISTS = (
    ("Entity List", "us-entity-list", "US Commerce Entity List"),
    ("Military End User", "us-meu", "US Commerce Military End-User List"),
    ("Specially Designated Nationals", "us-sdn", "US Treasury OFAC SDN List"),
    ("Unverified List", "us-uvl", "US Commerce Unverified List"),
    ("Denied Persons List", "us-dpl", "US Commerce Denied Persons List"),
    ("Nonproliferation Sanctions", "us-isn", "US State Department Nonproliferation Sanctions"),
    ("ITAR Debarred", "us-itar-debarred", "US State Department ITAR Debarred List"),
    ("Capta List", "us-capta", "US Treasury OFAC CAPTA List"),
    ("Sectoral Sanctions Identifications", "us-ssi", "US Treasury OFAC SSI List"),
    ("Non-SDN Menu-Based Sanctions", "us-ns-mbs", "US Treasury OFAC NS-MBS List"),
    ("Foreign Sanctions Evaders", "us-fse", "US Treasury OFAC FSE List"),
)
# The lists this importer loaded before it read the whole CSL: their parties are kept as
# they always were (persons on them included), so earlier registries keep their rows.
ORIGINAL_LISTS = frozenset({"us-entity-list", "us-meu"})
# OFAC programmes about China itself: a party listed under one is in scope wherever its
# address is (Hong Kong autonomy sanctions, Chinese military companies).
CHINESE_PROGRAMMES = frozenset({"HK-EO13936", "CMIC-EO13959"})
# The CSL's ``type`` for what is not an organisation (persons are out of scope for now).
_NOT_ORGANISATIONS = frozenset({"individual", "vessel", "aircraft"})
LIST_NAMES = {list_id: name for _, list_id, name in LISTS}
NS_CMIC_SOURCE = "Non-SDN Chinese Military-Industrial Complex"
PUBLISHER = "US Department of Commerce, Bureau of Industry and Security"
CSL_PUBLISHER = "International Trade Administration (trade.gov)"
CSL_URL = "https://www.trade.gov/consolidated-screening-list"
FR_PUBLISHER = "Federal Register (US Department of Commerce, Bureau of Industry and Security)"
FR_URL = "https://www.federalregister.gov/citation/{volume}-FR-{page}"
COUNTRIES = {"CN": "CN", "CHINA": "CN", "HK": "HK", "HONG KONG": "HK"}
# Fields that hold a country code for people; kept for parties listed under them.
_PERSON_COUNTRY_FIELDS = ("nationalities", "citizenships")
# trade.gov's value for an entry whose parts were listed on different dates.
_VARIOUS = "various"
# A CSV holding at least this many Entity List rows (any country) is a whole CSL
# download, not an extract: the Entity List has had over 1,000 entries since the 2010s
# (2,001 in April 2022), while published extracts hold a few dozen. A whole edition
# closes the periods of parties it no longer holds; an extract closes nothing.
FULL_EDITION_MIN_ENTITY_LIST_ROWS = 1000
# Two spellings of one party in two editions: "Xinjiang Uighur ..." / "Xinjiang Uyghur
# ...". High enough that "CETC 13th" and "CETC 14th" (which differ only in a number, and
# numbers must match anyway) or two firms sharing most words stay apart.
SAME_PARTY_SPELLING = 94.0

_CITATION = re.compile(r"(\d+)\s*FR\s*(\d+)", re.IGNORECASE)
_AKA = re.compile(r",?\s*\ba\.?k\.?a\.?,?\s+", re.IGNORECASE)
_AKA_IN_BRACKETS = re.compile(r"^(?P<name>.+?)\s*\(a\.k\.a\.?,?\s*(?P<aka>.+)\)$", re.IGNORECASE)
# "Security?s", "Xi?an": a lost apostrophe (the 2022 CSV's "?" for "’"); a question
# mark inside a word is never part of a name.
_LOST_APOSTROPHE = re.compile(r"(?<=[A-Za-z)])\?(?=[A-Za-z])")
# Pieces of an alternate-names list that are notes, not names.
_NOTE = re.compile(r"^\(?(?:all of (?:the )?preceding|located in|see )", re.IGNORECASE)
_LINKED_TO = "(Linked To: "
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Entry:
    """One row of the Entity List or MEU list (any country; ``country`` None outside
    China and Hong Kong)."""

    line: int
    list_id: str
    name: str
    aliases: tuple[str, ...]
    country: str | None
    citations: tuple[str, ...]  # "84 FR 54002"
    start: dt.date | None
    licence_requirement: str | None = None
    licence_policy: str | None = None
    kind: str | None = None
    # The name as listed, with any parent it states ("CETC 13th Research Institute.
    # Subordinate Institution - ..."); ``name`` may be shorter.
    listed: str = ""
    # The sanctions programmes the entry names (SDN: "NPWMD; IFSR").
    programmes: str | None = None
    # A person, vessel or aircraft: counted, not loaded (organisations only, for now).
    person: bool = False

    @property
    def in_scope(self) -> bool:
        if self.person and self.list_id not in ORIGINAL_LISTS:
            return False
        if self.country:
            return True
        codes = {p.strip() for p in (self.programmes or "").split(";")}
        return bool(codes & CHINESE_PROGRAMMES)

    @property
    def list_name(self) -> str:
        return LIST_NAMES[self.list_id]


@dataclass(frozen=True)
class Link:
    """An NS-CMIC row's "Linked To:" party (OFAC does not say which is the parent)."""

    line: int
    entity_number: str
    name: str
    linked_to: str


@dataclass
class Edition:
    """What one file holds, checked in full before anything is written."""

    file: str
    date: str | None  # ISO date of the edition, where the file tells it
    # A whole edition of its lists (closes absent parties) rather than an extract.
    full: bool
    lists: tuple[str, ...]
    entries: list[Entry] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    # How a source title names the edition ("edition of 2025-11-08").
    label: str = ""
    # The file's columns (CSV header, JSON keys) and its shape, for the import guard.
    columns: list[str] = field(default_factory=list)
    format: str = "csv"

    def rows(self) -> dict[str, int]:
        """Rows per list (any country, persons too)."""
        out: dict[str, int] = {}
        for entry in self.entries:
            out[entry.list_id] = out.get(entry.list_id, 0) + 1
        return out

    def out_of_scope(self) -> dict[str, int]:
        """Persons (vessels, aircraft) with a China or Hong Kong tie, per list: not loaded."""
        out: dict[str, int] = {}
        for e in self.entries:
            if e.person and not e.in_scope and replace(e, person=False).in_scope:
                out[e.list_id] = out.get(e.list_id, 0) + 1
        return out


# --- reading ------------------------------------------------------------------------


def list_of(source: str) -> str | None:
    for prefix, list_id, _ in LISTS:
        if source.strip().startswith(prefix):
            return list_id
    return None


def country(addresses: Iterable[str], others: Iterable[str] = ()) -> str | None:
    """CN or HK from the last part of each address (or a person's nationality)."""
    found = []
    for text in addresses:
        for address in text.split(";"):
            code = COUNTRIES.get(address.rsplit(",", 1)[-1].strip().upper())
            # The Entity List files Hong Kong under China ("…, Kowloon, Hong Kong, CN"):
            # the address itself says which.
            if code == "CN" and "HONG KONG" in address.upper():
                code = "HK"
            found.append(code)
    found += [COUNTRIES.get(c.strip().upper()) for c in others]
    codes = {c for c in found if c}
    return "CN" if "CN" in codes else ("HK" if codes else None)


def clean_name(raw: str) -> str:
    return _LOST_APOSTROPHE.sub("'", tidy(raw))


def listed_name(raw_name: str) -> str:
    return _AKA.split(clean_name(raw_name))[0]


def names(raw_name: str) -> tuple[str, list[str]]:
    """The listed name and the other names it carries: "A, a.k.a. B (C)" -> A, [B, C];
    "CNOOC Limited (a subsidiary of ...)" -> "CNOOC Limited"."""
    first, *akas = _AKA.split(clean_name(raw_name))
    name, acronym = name_and_acronym(without_stated_parent(first))
    # The name exactly as listed ("Huawei Technologies Co., Ltd. (Huawei)") is a name
    # people paste from the list: it finds the party too.
    others: list[str | None] = [first, acronym, unit_name(first)]
    for aka in akas:
        others += name_and_acronym(aka)
    return name, unique(others)


def name_and_acronym(text: str) -> tuple[str, str | None]:
    """``split_trailing_alias``, except that the acronym of the group a unit belongs to
    is not the unit's: in "10th Research Institute of China Electronic Technology Group
    Corp (CETC)", CETC names the group."""
    name, acronym = split_trailing_alias(text)
    if acronym and " of " in name:
        owner = name.rsplit(" of ", 1)[1]
        initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", owner)).upper()
        letters = re.sub(r"[^A-Za-z]", "", acronym).upper()
        remaining = iter(initials)
        if len(letters) >= 2 and all(ch in remaining for ch in letters):
            return name, None
    return name, acronym


def alt_names(text: str) -> list[str]:
    """ "A; B; and C." -> [A, B, C]: the list is written as an English sentence, with
    "(a.k.a. D)" inside some of its names and notes ("all of preceding located in ...")
    that are not names."""
    out: list[str | None] = []
    for piece in clean_name(text).split(";"):
        piece = re.sub(r"^and\b\s*", "", piece.strip()).strip(" ,")
        # A sentence-final full stop, not the one closing "Ltd." or "Corp.".
        if piece.endswith(".") and len(piece.rsplit(" ", 1)[-1]) > 5:
            piece = piece[:-1]
        if not piece or _NOTE.match(piece):
            continue
        bracketed = _AKA_IN_BRACKETS.match(piece)
        parts = [bracketed.group("name"), bracketed.group("aka")] if bracketed else [piece]
        for part in parts:
            if part.count("(") != part.count(")"):
                part = part.strip("()").strip()
            out += name_and_acronym(part)
    return unique(out)


def citations(text: str) -> tuple[str, ...]:
    """ "84 FR 54002; 85 FR 44159" -> both; dates and issue numbers beside them dropped."""
    return tuple(unique(f"{v} FR {p}" for v, p in _CITATION.findall(text)))


def start_date(value: str, *, file: str, line: int, field: str) -> dt.date | None:
    """ISO date; empty or "Various" (parts listed on different dates) is unknown."""
    value = value.strip()
    if not value or value.casefold() == _VARIOUS:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise BadImportError(f"not a date: {value!r}", file=file, line=line, field=field) from exc


def linked_to(remarks: str) -> list[str]:
    """Every "(Linked To: X)" in OFAC remarks; X may hold brackets of its own."""
    found = []
    start = remarks.find(_LINKED_TO)
    while start >= 0:
        depth, i = 1, start + len(_LINKED_TO)
        begin = i
        while i < len(remarks) and depth:
            depth += {"(": 1, ")": -1}.get(remarks[i], 0)
            i += 1
        found.append(tidy(remarks[begin : i - 1]))
        start = remarks.find(_LINKED_TO, i)
    return [f for f in found if f]


def read_csv(path: Path) -> Edition:
    file = str(path)
    header, table = read_table(path, COLUMNS)
    if not table:
        raise BadImportError("no rows after the header", file=file, line=1)
    entries: list[Entry] = []
    links: list[Link] = []
    dates: list[dt.date] = []
    entity_list_rows = 0
    for line, values in table:
        listed = list_of(values["source"])
        start = start_date(values["start_date"], file=file, line=line, field="start_date")
        if start:
            dates.append(start)
        if values["source"].startswith(NS_CMIC_SOURCE):
            links += _links(line, values)
        if listed is None:
            continue
        entity_list_rows += listed == "us-entity-list"
        entries.append(_csv_entry(line, values, listed, start, file=file))
    edition = max(dates).isoformat() if dates else None
    return Edition(
        file=file,
        date=edition,
        full=entity_list_rows >= FULL_EDITION_MIN_ENTITY_LIST_ROWS and edition is not None,
        lists=tuple(unique(e.list_id for e in entries)),
        entries=entries,
        links=links,
        label=f"edition with entries up to {edition}" if edition else "undated extract",
        columns=header,
    )


# Footnote markers the Entity List's own table carries into the CSL, glued to the text they
# annotate: "§§ 734.9(e)1 ... of the EAR2", "(See ... of the EAR)4". Never "EAR99" (an
# export classification) nor a paragraph such as "(e)(1)".
_FOOTNOTE = re.compile(r"(?:(?<=\bEAR\))|(?<=\bEAR)(?!99\b)|(?<=\([a-z]\)))\d{1,2}(?=[\s.,;:)]|$)")


def licence_terms(text: str | None) -> str | None:
    """An entry's licence requirement or review policy as the list states it, without
    the footnote markers of the publisher's table."""
    return _FOOTNOTE.sub("", tidy(text or "")) or None


def _csv_entry(
    line: int, values: dict[str, str], list_id: str, start: dt.date | None, *, file: str
) -> Entry:
    name, others = names(values["name"])
    if not name:
        raise BadImportError("no name", file=file, line=line, field="name")
    people = [c for f in _PERSON_COUNTRY_FIELDS for c in values.get(f, "").split(";")]
    return Entry(
        line=line,
        list_id=list_id,
        name=name,
        aliases=tuple(unique([*others, *alt_names(values["alt_names"])])),
        country=country([values["addresses"]], people),
        citations=citations(values["federal_register_notice"]),
        start=start,
        licence_requirement=licence_terms(values.get("license_requirement", "")),
        licence_policy=licence_terms(values.get("license_policy", "")),
        listed=listed_name(values["name"]),
        programmes=tidy(values.get("programs", "")) or None,
        person=is_person(values.get("type", ""), values["name"], list_id),
    )


# Words that make a name an organisation's ("SHUTTLE LONG CO, LTD.", "SinoHTS" is one
# word and is taken for an organisation too).
_ORGANISATION_WORDS = re.compile(
    r"\b(?:co|corp|corporation|company|ltd|limited|inc|llc|gmbh|group|industr\w*|"
    r"technolog\w*|tech|trading|trade|electronic\w*|systems?|international|logistics|"
    r"university|institute|academy|cent(?:er|re)|laborator\w*|bank|bureau|ministry|"
    r"enterprises?|factory|works|import|export|science\w*|holdings?|services?|shipping|"
    r"aviation|engineering|equipment|development|organi[sz]ation|department|office)\b",
    re.IGNORECASE,
)
# Lists whose untyped rows name organisations only (the Unverified List names parties
# whose bona fides BIS could not check: never a person).
_ORGANISATIONS_ONLY = frozenset({"us-uvl", "us-entity-list", "us-meu"})


def is_person(kind: str, name: str, list_id: str) -> bool:
    """A person (or vessel, aircraft) by the CSL's ``type``; where the list gives no type
    (Denied Persons, ITAR debarred, Nonproliferation), by the name's shape: two to four
    words, or "Surname, Given", with no organisation word."""
    if kind.strip():
        return kind.strip().casefold() in _NOT_ORGANISATIONS
    if list_id in _ORGANISATIONS_ONLY or _ORGANISATION_WORDS.search(name):
        return False
    words = re.sub(r"[,.]", " ", name).split()
    return 2 <= len(words) <= 5 and all(w.replace("-", "").isalpha() for w in words)


def _links(line: int, values: dict[str, str]) -> list[Link]:
    number = values.get("entity_number", "").strip()
    return [
        Link(line=line, entity_number=number, name=tidy(values["name"]), linked_to=other)
        for other in linked_to(values.get("remarks", ""))
    ]


def read(path: Path) -> Edition:
    """Either format, told apart by content: JSON starts with a brace."""
    if read_text(path).lstrip()[:1] in ("{", "["):
        from registry.importers.csl_json import read_json

        return read_json(path)
    return read_csv(path)


def parse(path: Path) -> list[Entry]:
    """The entries of ``path`` the registry loads (either format): organisations in China
    or Hong Kong, or under a Chinese programme."""
    return [e for e in read(path).entries if e.in_scope]


def group(entries: list[Entry]) -> list[list[Entry]]:
    """One group per party per list (a party may have several rows).

    Rows of one name are one party, unless the file says otherwise: rows that share a
    name but none of its alternate names with its first rows, and either give the
    alternate names of a row of another name (the file's own row for that organisation)
    or state a unit number the name does not ("12th Institute" under the 702 Institute's
    name), are another organisation that the file titles alike. They join that other
    row's party, else form one of their own titled by their first alternate name; the
    shared name stays with the first rows only, never on two organisations. Rows that
    merely list other alternate names (a company's a.k.a.s per address) stay one party.
    """
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.list_id, org_key(entry.name)), []).append(entry)
    # Every name and alternate name a party's rows give -> that party, per list.
    by_name: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key, rows in groups.items():
        for row in rows:
            for name in (row.name, *row.aliases):
                by_name.setdefault((key[0], org_key(name)), set()).add(key)
    out: dict[tuple[str, str], list[Entry]] = {}
    moved: list[tuple[tuple[str, str], list[Entry]]] = []
    for key, rows in groups.items():
        parts = _by_alternate_names(key[1], rows)
        out[key] = parts[0]
        moved += [(key, part) for part in parts[1:]]
    for key, part in moved:  # after every party's own rows: its first row names it
        alternates = _alternate_keys(key[1], part)
        elsewhere = {o for a in alternates for o in by_name.get((key[0], a), ()) if o != key}
        if len(elsewhere) == 1:
            (target,) = elsewhere
            name = groups[target][0].name
        elif _other_number(part[0].name, part):
            target = (key[0], f"{key[1]}#{part[0].line}")
            name = next(a for a in part[0].aliases if org_key(a) != key[1])
        else:  # nothing says they are another organisation: the name's party
            out[key].extend(part)
            continue
        out.setdefault(target, []).extend(_retitled(part, key[1], name))
    return [rows for rows in out.values() if rows]


def _alternate_keys(name_key: str, rows: Iterable[Entry]) -> set[str]:
    """The keys of the rows' alternate names other than their (shared) name."""
    return {k for row in rows for a in row.aliases if (k := org_key(a)) and k != name_key}


def _other_number(name: str, rows: list[Entry]) -> bool:
    """The name and the rows' alternate names state unit numbers, none in common."""
    stated = {int(n) for row in rows for a in row.aliases if a != name for n in _DIGITS.findall(a)}
    own = {int(n) for n in _DIGITS.findall(name)}
    return bool(stated) and bool(own) and not stated & own


def _by_alternate_names(name_key: str, rows: list[Entry]) -> list[list[Entry]]:
    """``rows`` (of one name) in sets that share an alternate name, in file order; a row
    without alternate names goes with the first set."""
    parts: list[tuple[set[str], list[Entry]]] = []
    bare: list[Entry] = []
    for row in rows:
        keys = _alternate_keys(name_key, [row])
        if not keys:
            bare.append(row)
            continue
        touching = [p for p in parts if p[0] & keys]
        merged: tuple[set[str], list[Entry]] = (keys, [row])
        for part in touching:
            parts.remove(part)
            merged = (merged[0] | part[0], part[1] + merged[1])
        parts.append(merged)
    parts.sort(key=lambda p: min(r.line for r in p[1]))
    if not parts:
        return [bare]
    parts[0][1].extend(bare)
    return [sorted(p[1], key=lambda r: r.line) for p in parts]


def _retitled(rows: list[Entry], shared_key: str, name: str) -> list[Entry]:
    """Rows moved off a name they share with another organisation: titled ``name``, the
    shared name gone from their names."""
    return [
        replace(
            row,
            name=name,
            aliases=tuple(a for a in row.aliases if org_key(a) != shared_key),
            listed="",  # the shared name's stated parents are not theirs to read
        )
        for row in rows
    ]


# --- writing ------------------------------------------------------------------------


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    edition = read(path)  # everything is checked before anything is written
    result = ImportResult(
        source=SOURCE_ID,
        files=[str(path)],
        edition=edition.date,
        rows=edition.rows(),
        columns=list(edition.columns),
        format=edition.format,
        out_of_scope=edition.out_of_scope(),
    )
    Writer(session, edition, result, progress).write()
    session.flush()
    return result


def citation_source(session: Session, citation: str) -> Source:
    volume, page = citation.split(" FR ")
    return store.get_source(
        session,
        title=f"Federal Register, {citation}",
        publisher=FR_PUBLISHER,
        url=FR_URL.format(volume=volume, page=page),
    )


class Writer:
    """Write one edition: parties, their listings, stated parents, closed periods."""

    def __init__(
        self, session: Session, edition: Edition, result: ImportResult, progress: Progress
    ) -> None:
        self.session = session
        self.edition = edition
        self.result = result
        self.progress = progress
        self.orgs = Organisations(session, result, list_ids=list(LIST_NAMES))
        # Every name (acronyms too) of the parties this file lists -> their entity.
        self.by_name: dict[str, Entity] = {}
        # (list, name) -> entities listed before this import (see _listed_before).
        self._listed: dict[tuple[str, str], set[int]] | None = None
        # The name of each row: the parties this edition lists apart from one another.
        self.row_names = frozenset(_fold(e.name) for e in edition.entries)
        # A newer edition of these lists is already loaded: this one adds, never restates.
        self.superseded = edition.date is not None and (
            session.scalar(
                select(ImportRun.id).where(
                    ImportRun.source == SOURCE_ID, ImportRun.edition > edition.date
                )
            )
            is not None
        )

    def edition_source(self, list_id: str) -> Source:
        return store.get_source(
            self.session,
            title=f"{LIST_NAMES[list_id]}, Consolidated Screening List {self.edition.label}",
            publisher=CSL_PUBLISHER,
            url=CSL_URL,
            published=self.edition.date,
        )

    def write(self) -> None:
        scoped = group([e for e in self.edition.entries if e.in_scope])
        closing = self._closing()
        absent = {list_id: self._absent(list_id) for list_id in closing}
        with self.progress("Consolidated Screening List parties", len(scoped)) as advance:
            written = []
            for party in scoped:
                written.append((party, self._party(party, absent.get(party[0].list_id, {}))))
                advance(1)
        for party, entity in written:
            self._stated_parents(party, entity)
        for list_id in closing:
            self._close(list_id, absent[list_id])
        self._links()

    # Parties ----------------------------------------------------------------------

    def _party(self, party: list[Entry], absent: dict[int, Designation]) -> Entity:
        first = party[0]
        incoming = Incoming(
            name=first.name,
            aliases=unique(a for e in party for a in e.aliases),
            country=first.country,
            kind=first.kind or guess_kind(first.name),
        )
        found = self.orgs.resolver.find(incoming.lookup_names()).entity
        group = None
        if found is None:
            respelled = self._respelled(incoming, absent)
            if respelled is not None:
                incoming.lookup.append(respelled.name)
            else:
                # "Dahua Technology" is registered as "Zhejiang Dahua Technology Co., Ltd.":
                # the list may drop the place (one hit only, as every lookup name).
                incoming.lookup += with_place(first.name)
                found = self.orgs.resolver.find(incoming.lookup_names()).entity
        elif found in self._stated_parents_of(first) or _unit_through_tracker_alias(
            incoming, found, self.row_names
        ):
            # A unit that another source names among its group's aliases ("CASIC Second
            # Academy" among CASIC's names): the unit is not the group.
            group = found
            incoming.aliases = [a for a in incoming.aliases if _owner_is_not(a, group)]
        # An acronym another organisation already answers to stays theirs: acronyms of
        # units and their groups repeat across entries ("BIACD" under CASC and under its
        # 13th Institute), and giving it to both would depend on the order of the rows.
        incoming.aliases = [
            a for a in incoming.aliases if not is_weak(a) or not self._held_by_other(a, found)
        ]
        sources = self._sources(party)
        prefer = None if found is not None else self._listed_before(first)
        upserted = self.orgs.upsert(incoming, sources[0], not_=group, prefer=prefer)
        absent.pop(upserted.entity.id, None)
        listing = store.Listing(
            start=min((e.start for e in party if e.start), default=None),
            source=sources[0],
            citations=sources[1:],
            licence_requirement=first.licence_requirement,
            licence_policy=first.licence_policy,
            programmes=first.programmes,
            as_of=dt.date.fromisoformat(self.edition.date) if self.edition.date else None,
            restate=not self.superseded,
        )
        changes = store.sync_listing(
            self.session,
            upserted.entity,
            list_id=first.list_id,
            list_name=first.list_name,
            listing=listing,
        )
        self.orgs.tally(upserted, changes)
        for name in (incoming.name, *incoming.aliases):
            self.by_name.setdefault(_fold(name), upserted.entity)
        return upserted.entity

    def _listed_before(self, entry: Entry) -> Entity | None:
        """The one entity of this name that the list already holds: a unit kept apart
        from its group shares a name with the group's alias, so names alone are
        ambiguous on the next import."""
        if self._listed is None:
            self._listed = {}
            rows = self.session.execute(
                select(Designation.list_id, Entity.name, Entity.id)
                .join(Entity, Entity.id == Designation.entity_id)
                .where(Designation.list_id.in_(self.edition.lists))
                .distinct()
            )
            for list_id, name, entity_id in rows:
                self._listed.setdefault((list_id, name), set()).add(entity_id)
        ids = self._listed.get((entry.list_id, entry.name), set())
        return self.session.get(Entity, next(iter(ids))) if len(ids) == 1 else None

    def _held_by_other(self, acronym: str, mine: Entity | None) -> bool:
        holders = self.session.scalars(
            select(Alias.entity_id).where(Alias.name == acronym, Alias.weak.is_(True))
        ).all()
        return any(mine is None or holder != mine.id for holder in holders)

    def _stated_parents_of(self, entry: Entry) -> list[Entity]:
        """The registry's entities for the parents the listed name states."""
        found = []
        for written in parent_chain(entry.listed or entry.name):
            entity = self.orgs.resolver.find([split_trailing_alias(written)[0]]).entity
            if entity is not None:
                found.append(entity)
        return found

    def _sources(self, party: list[Entry]) -> list[Source]:
        """The notice that listed the party first, then later notices, then the edition."""
        cited = [citation_source(self.session, c) for e in party for c in e.citations]
        return unique_sources([*cited, self.edition_source(party[0].list_id)])

    def _respelled(self, incoming: Incoming, absent: dict[int, Designation]) -> Entity | None:
        """The one party that an earlier edition listed, this one no longer holds under
        that spelling, and whose name is this new party's spelled a little differently."""
        mine = [n for n in incoming.strong_names() if org_key(n)]
        hits = {
            d.entity_id: d.entity
            for d in absent.values()
            for other in _names_of(d.entity)
            if any(same_party_spelling(n, other) for n in mine)
        }
        return next(iter(hits.values())) if len(hits) == 1 else None

    # Parents stated in names ------------------------------------------------------

    def _stated_parents(self, party: list[Entry], entity: Entity) -> None:
        first = party[0]
        chain = parent_chain(first.listed or first.name)
        child = entity
        source = self._sources(party)[0]
        for parent_name in chain:
            parent = self._parent(parent_name, source)
            if parent is None or parent is child:
                break
            self.result.relationships += store.add_relationship(
                self.session, child, parent, RelationType.SUBSIDIARY_OF, sources=[source]
            )
            child = parent

    def _parent(self, written: str, source: Source) -> Entity | None:
        name, acronym = split_trailing_alias(written)
        for candidate in (written, name, acronym):
            if candidate and _fold(candidate) in self.by_name:
                return self.by_name[_fold(candidate)]
        if is_weak(name):
            return None  # an acronym alone names no organisation we could create
        # A spelling variant of an organisation the registry holds is that organisation
        # ("China Electronic Technology Group Corporation" is CETC), never a new one.
        entity = self.orgs.resolver.find([name]).entity or self.orgs.resolver.spelling_variant(name)
        if entity is not None:
            self.orgs.add_names(entity, unique([acronym]), source)
        else:
            incoming = Incoming(
                name=name, aliases=unique([acronym]), country="CN", kind=guess_kind(name)
            )
            entity = self.orgs.upsert(incoming, source).entity
        self.by_name[_fold(written)] = self.by_name[_fold(name)] = entity
        return entity

    # Editions ---------------------------------------------------------------------

    def _closing(self) -> list[str]:
        """The lists whose absent parties this file closes: a whole, dated edition that
        is not older than one already loaded."""
        if not self.edition.full or not self.edition.date or self.superseded:
            return []
        return list(self.edition.lists)

    def _absent(self, list_id: str) -> dict[int, Designation]:
        """Open periods on ``list_id`` whose party no row of this edition names (any
        country: a party whose address is gone is still listed)."""
        listed = {
            org_key(n)
            for e in self.edition.entries
            if e.list_id == list_id
            for n in (e.name, *e.aliases)
            if not is_weak(n)
        }
        open_periods = self.session.scalars(
            select(Designation).where(Designation.list_id == list_id, Designation.end.is_(None))
        )
        return {
            d.entity_id: d
            for d in open_periods
            if not any(org_key(n) in listed for n in _names_of(d.entity))
        }

    def _close(self, list_id: str, absent: dict[int, Designation]) -> None:
        assert self.edition.date  # _closing checks
        end = dt.date.fromisoformat(self.edition.date)
        source = self.edition_source(list_id)
        for designation in absent.values():
            if designation.start is not None and designation.start > end:
                continue
            store.close_listing(
                designation,
                end=end,
                note=f"not in the edition of {self.edition.date}",
                source=source,
            )
            self.result.designations += 1

    # NS-CMIC "Linked To" -----------------------------------------------------------

    def _links(self) -> None:
        for link in self.edition.links:
            party = store.entity_by_identifier(self.session, "ofac", link.entity_number)
            other = self.orgs.resolver.find([link.linked_to]).entity
            if party is None or other is None or party is other:
                continue  # only ties between parties the registry holds
            source = store.get_source(
                self.session,
                title="Non-SDN Chinese Military-Industrial Complex Companies List, "
                f"via the Consolidated Screening List {self.edition.label}",
                publisher="US Department of the Treasury, OFAC",
                url=CSL_URL,
                published=self.edition.date,
            )
            self.result.relationships += store.add_relationship(
                self.session,
                party,
                other,
                RelationType.OTHER,
                sources=[source],
                summary="Treasury's NS-CMIC entry links the two; it does not say which "
                "one owns the other.",
            )


def _unit_through_tracker_alias(
    incoming: Incoming, entity: Entity, listed_apart: frozenset[str]
) -> bool:
    """True when ``incoming`` matches ``entity`` only through an alias the ASPI tracker
    gives it, and the entity is a defence-industry conglomerate or a party this edition
    lists under a row of its own. The tracker lists a group's academies, institutes and
    trading arms among its aliases ("CASIC Second Academy", CAEP's "Sichuan Haitian New
    Technology Group"); a list that names one of them in a row of its own names the unit,
    not the group."""
    trusted = {_fold(entity.name), _fold(entity.native_name or "")} | {
        _fold(a.name)
        for a in entity.aliases
        if a.source is None or not a.source.title.startswith(_TRACKER_TITLE)
    }
    if any(_fold(n) in trusted for n in incoming.strong_names()):
        return False
    conglomerate = any(_CONGLOMERATE in d.list_name for d in entity.designations)
    return conglomerate or bool(trusted & listed_apart)


_CONGLOMERATE = "Defence industry conglomerate"
_TRACKER_TITLE = "China Defence Universities Tracker"


def _owner_is_not(name: str, entity: Entity) -> bool:
    return _fold(name) not in {_fold(n) for n in (entity.name, *(a.name for a in entity.aliases))}


def _names_of(entity: Entity) -> list[str]:
    return [entity.name, *(a.name for a in entity.aliases if not a.weak)]


def same_party_spelling(a: str, b: str) -> bool:
    """Two editions' spellings of one party: the same words in any order with a letter
    or mark changed ("Xinjiang Uighur"/"Uyghur", "Cheung Bako"/"Bako Cheung"), or the
    same name before a place or legal form moved out of it ("JLD Technology" / "JLD
    Technology, Hong Kong Co., Ltd."). Numbers must be the same."""
    pairs = [(org_key(a), org_key(b))]
    head_a, head_b = a.split(",", 1)[0], b.split(",", 1)[0]
    if len(head_a.split()) >= 2 and len(head_b.split()) >= 2:
        pairs.append((org_key(head_a), org_key(head_b)))
    return any(_close(x, y) for x, y in pairs)


def _close(a: str, b: str) -> bool:
    if not a or not b or abs(len(a) - len(b)) > 3:
        return False
    if sorted(_DIGITS.findall(a)) != sorted(_DIGITS.findall(b)):
        return False
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) >= SAME_PARTY_SPELLING


def _fold(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def unique_sources(sources: Sequence[Source]) -> list[Source]:
    out: list[Source] = []
    for source in sources:
        if all(source is not s for s in out):
            out.append(source)
    return out
