"""What a Consolidated Screening List party is, in either of trade.gov's formats: the
lists the CSL consolidates, one row (``Entry``), one NS-CMIC tie (``Link``), one file
(``Edition``), and how each field is read (names and alternate names, citations, dates,
country, licence terms, person or organisation). Shared by the CSV reader
(``registry.importers.csl_read``) and the JSON reader (``registry.importers.csl_json``);
the writer is ``registry.importers.csl``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from registry.errors import BadImportError
from registry.importers.lists import split_trailing_alias, tidy, unique
from registry.importers.parents import unit_name, without_stated_parent
from registry.names.places import without_address

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
COUNTRIES = {"CN": "CN", "CHINA": "CN", "HK": "HK", "HONG KONG": "HK"}
# trade.gov's value for an entry whose parts were listed on different dates.
_VARIOUS = "various"

_CITATION = re.compile(r"(\d+)\s*FR\s*(\d+)", re.IGNORECASE)
_AKA = re.compile(r",?\s*\ba\.?k\.?a\.?,?\s+", re.IGNORECASE)
_AKA_IN_BRACKETS = re.compile(r"^(?P<name>.+?)\s*\(a\.k\.a\.?,?\s*(?P<aka>.+)\)$", re.IGNORECASE)
# "Security?s", "Xi?an": a lost apostrophe (the 2022 CSV's "?" for "’"); a question
# mark inside a word is never part of a name.
_LOST_APOSTROPHE = re.compile(r"(?<=[A-Za-z)])\?(?=[A-Za-z])")
# Pieces of an alternate-names list that are notes, not names.
_NOTE = re.compile(r"^\(?(?:all of (?:the )?preceding|located in|see )", re.IGNORECASE)
_LINKED_TO = "(Linked To: "
DIGITS = re.compile(r"\d+")


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
    # A comma or semicolon left at the end ("Sinno Electronics Co., Ltd.,") ends no name.
    return _LOST_APOSTROPHE.sub("'", tidy(raw)).rstrip(" ,;")


def listed_name(raw_name: str) -> str:
    return _AKA.split(clean_name(raw_name))[0]


def names(raw_name: str) -> tuple[str, list[str]]:
    """The listed name and the other names it carries: "A, a.k.a. B (C)" -> A, [B, C];
    "CNOOC Limited (a subsidiary of ...)" -> "CNOOC Limited"; "A Co., Ltd., Wuhan,
    Hubei" -> "A Co., Ltd.", ["A Co., Ltd., Wuhan, Hubei"]."""
    listed, *akas = _AKA.split(clean_name(raw_name))
    # An address written into the name ("... Co., Ltd., Suzhou, Jiangsu") is no part of it.
    first = without_address(listed)
    name, acronym = name_and_acronym(without_stated_parent(first))
    name = name.rstrip(" ,;")  # "Poly Asia Pacific Ltd., (PAPL)" less its acronym
    # The name exactly as listed ("Huawei Technologies Co., Ltd. (Huawei)") is a name
    # people paste from the list: it finds the party too.
    others: list[str | None] = [listed, first, acronym, unit_name(first)]
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


# Footnote markers the Entity List's own table carries into the CSL, glued to the text they
# annotate: "§§ 734.9(e)1 ... of the EAR2", "(See ... of the EAR)4". Never "EAR99" (an
# export classification) nor a paragraph such as "(e)(1)".
_FOOTNOTE = re.compile(r"(?:(?<=\bEAR\))|(?<=\bEAR)(?!99\b)|(?<=\([a-z]\)))\d{1,2}(?=[\s.,;:)]|$)")


def licence_terms(text: str | None) -> str | None:
    """An entry's licence requirement or review policy as the list states it, without
    the footnote markers of the publisher's table."""
    return _FOOTNOTE.sub("", tidy(text or "")) or None


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
