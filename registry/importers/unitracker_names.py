"""How ASPI's China Defence Universities Tracker writes names: an entry's English and
Chinese names, acronyms and aliases told apart from the notes mixed into them, and the
kind of organisation a name says it is. Used by the tracker importer
(``registry.importers.unitracker``) and by importers that read names written alike."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from registry.models import Entity, EntityKind
from registry.names.script import has_han

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
NOT_AN_ORGANISATION = re.compile(r"\b(?:Campus|Department)\b|校区$|部$")

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
