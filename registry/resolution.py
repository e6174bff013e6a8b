"""Entity resolution over the whole registry, run after every import.

Importers join a record to an existing entity only on an exact key at load time
(``registry.resolve``). Lists published by different authorities still spell one
organisation differently ("SZ DJI TECHNOLOGY CO., LTD." and "Shenzhen DJI Technology Co.,
Ltd."; "China SpaceSat Co." and "China SpaceSat Co., Ltd."), so this step looks at every
entity's names and codes together and merges what strong keys say is one organisation:

- an identifier of a scheme that names one organisation (USCC, OFAC entity number, LEI);
- the same *resolution key* of a primary name, or of a primary name and a full alternate
  name: case, accents, punctuation, legal forms of one family ("Co.", "Co., Ltd.",
  "Company Limited"), trailing city or exchange brackets ("(Shanghai)"), trailing acronym
  brackets ("(Huawei)") and "SZ" for Shenzhen folded.

Never on an acronym alone, never on similarity alone. Pairs that look alike on weaker
evidence (legal forms of different families, one leading place name apart, a shared
acronym with a subsidiary listed under both, alternate names only) are not merged: they
are *likely duplicates*, printed by ``mcf-bot db duplicates`` for an operator, whose
decisions live in ``data/resolution/decisions.yaml`` (merge or keep apart, with a reason)
and are honoured here. Every merge is a row in ``merges`` (the key that decided it and
what moved) and a change in the change log, so it can be explained and undone.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from registry.changelog import log_bulk
from registry.errors import BadImportError
from registry.lookup.normalize import ascii_text, han_text
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
from registry.names.generic import FOLDED_WORDS, GENERIC, INSTITUTION_WORDS
from registry.names.legal_forms import (
    FOREIGN_FORMS,
    FORM_COUNTRIES,
    FORM_FAMILY,
    FORM_PRECEDENCE,
    HAN_FORMS,
)
from registry.names.places import COUNTRY_CODES, PLACE_ABBREVIATIONS, PLACES
from registry.names.prefixes import PLA_FULL, PLA_SHORT
from registry.names.script import HAN_OR_CODE, has_han

# Schemes whose code names exactly one organisation: the same code is one organisation,
# two different codes of the scheme are two.
UNIQUE_SCHEMES = frozenset({"uscc", "ofac", "lei"})

# Keys that importers make ("org-" for the public lists, "unitracker-" for ASPI's
# tracker, "agency-" for the bodies it names, "cset-" for the PLA procurement data's
# buyers and suppliers); a curated key has none of these. A key missing here is taken
# for a curated one and keeps its (importer's) name when merged.
GENERATED_KEY_PREFIXES = ("org-", "unitracker-", "agency-", "ftm-", "cset-")
# Sources that deduplicated their own records: two of their records with one name are
# two organisations in the publisher's judgement (OpenSanctions ids), so only a shared
# identifier links them.
DEDUPLICATED_KEY_PREFIXES = ("ftm-",)

# --- resolution keys -------------------------------------------------------------------

# Stock-exchange tags that follow a listed company's name in brackets.
_EXCHANGES = frozenset({"sh", "sz", "hk", "sse", "szse", "hkex", "a", "h", "a share", "h share"})

MIN_HAN_KEY = 3
# The PLA's own bodies are named with it in full, in short and without it:
# "中国人民解放军国防科技大学" and "国防科技大学" are both NUDT, "中国人民解放军93184部队"
# and "93184部队" one unit. The full form reads as the short one, and the short one goes
# when what is left can still name one body on its own: five characters ("解放军总医院"
# and "解放军理工大学" keep it: "理工大学" is any university of technology).
MIN_HAN_UNPREFIXED = 5
_BRACKET = re.compile(r"\s*[(\[（]([^()\[\]（）]*)[)\]）]\s*")
_TRAILING = re.compile(r"\s*[(\[（]([^()\[\]（）]*)[)\]）]\s*$")
_INNER_DOT = re.compile(r"(?<=\w)[.'’](?=\w)")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class NameKey:
    """What two spellings of one organisation's name share."""

    base: str  # words of the name, legal form cut off: "china spacesat"
    form: str | None  # the legal form's family: "ltd", "corp", "inc", ... or None
    place: str | None = None  # a leading place word: "beijing" of "beijing megvii ..."

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.base.split())

    def unplaced(self) -> str | None:
        """The base without its leading place, when what is left is still distinctive."""
        if self.place is None:
            return None
        rest = self.words[1:]
        if not any(w not in GENERIC and w not in PLACES for w in rest) or len(rest) < 2:
            return None
        return " ".join(rest)

    def is_institution(self) -> bool:
        return any(w in INSTITUTION_WORDS for w in self.words)

    def describe(self) -> str:
        form = f", legal form {self.form}" if self.form else ""
        return f"{self.base!r}{form}"


def _words(text: str) -> list[str]:
    text = ascii_text(unicodedata.normalize("NFKC", text)).casefold().replace("&", " and ")
    text = _INNER_DOT.sub("", text)  # "S.L.U" -> "slu", "Xi'an" -> "xian", "U.S." -> "us"
    return _WORD.findall(text)


def _trailing_bracket_kept(content: str, after_form: bool) -> list[str]:
    """Words of a name's last bracket that belong to the name. A legal form does
    ("(Limited)"); an acronym or short name ("(Huawei)") does not, and neither does a
    place or an exchange tag after the legal form ("Co., Ltd. (Shanghai)": where it is
    listed). Brackets inside a name are part of it: "China Unicom (Hong Kong) Limited" and
    "China Unicom (BVI) Co., Ltd." are two companies."""
    words = _words(content)
    if words and all(w in FORM_FAMILY for w in words):
        return words
    joined = "-".join(words)
    if (joined in PLACES or " ".join(words) in _EXCHANGES) and not after_form:
        return words  # "Shandong University (Weihai)": a campus, not a listing
    return []


@lru_cache(maxsize=65536)
def name_key(name: str) -> NameKey | None:
    """The resolution key of one name, or None when nothing distinctive is left."""
    if has_han(name) and not re.search(r"[A-Za-z]{3}", name):
        return _han_key(name)
    words = _words(name)
    trailing = _TRAILING.search(name)
    if trailing is not None and trailing.start() > 0:
        head = _words(name[: trailing.start()])
        after_form = bool(head) and head[-1] in FORM_FAMILY
        words = head + _trailing_bracket_kept(trailing.group(1), after_form)
    if words and words[0] in PLACE_ABBREVIATIONS and len(words) > 2:
        words[0] = PLACE_ABBREVIATIONS[words[0]]
    forms: list[str] = []
    while words and words[-1] in FORM_FAMILY and len(words) > 1:
        forms.append(FORM_FAMILY[words.pop()])
    words = [w for w in words if w not in FOLDED_WORDS]
    if not words:
        return None
    form = next((f for f in FORM_PRECEDENCE if f in forms), None)
    if form is None and forms:
        form = sorted(set(forms) - set(FORM_PRECEDENCE))[0]
    place = words[0] if words[0] in PLACES else None
    if words[:2] in (["hong", "kong"], ["inner", "mongolia"]):
        place = f"{words[0]}-{words[1]}"
        words = [place, *words[2:]]
    return NameKey(" ".join(words), form, place)


def _han_key(name: str) -> NameKey | None:
    text = _TRAILING.sub("", name)  # a trailing bracket: an acronym or where it is listed
    # Digits and Latin letters stay: "第513研究所" and "第502研究所" are two institutes.
    han = "".join(
        han_text(run) if has_han(run) else run.casefold() for run in HAN_OR_CODE.findall(text)
    )
    form = None
    for suffix, family in HAN_FORMS:
        if han.startswith(suffix) or han.endswith(suffix):
            han, form = han.removeprefix(suffix).removesuffix(suffix), family
            break
    if han.startswith(PLA_FULL):
        han = PLA_SHORT + han.removeprefix(PLA_FULL)
    rest = han.removeprefix(PLA_SHORT)
    if rest != han and len(rest) >= MIN_HAN_UNPREFIXED:
        han = rest
    # Two characters are a short form ("华为", "北大"): an acronym, never a key.
    return NameKey(han, form) if len(han) >= MIN_HAN_KEY else None


def compatible(a: NameKey, b: NameKey) -> bool:
    """Same base and legal forms of one family (or one name without a form); an
    institution's name never merges with a company-form name on the name alone."""
    if a.base != b.base:
        return False
    if a.form and b.form:
        return a.form == b.form
    if a.form or b.form:
        return not a.is_institution()
    return True


# --- countries stated by a name ---------------------------------------------------------


def stated_country(name: str, default: str | None) -> str | None:
    """The country a list entry's own name states, else ``default`` (the list's country)
    unless the name has a legal form foreign to it: then unknown (None), not a guess."""
    trailing = _TRAILING.search(name)
    if trailing is not None:
        said = COUNTRY_CODES.get(" ".join(_words(trailing.group(1))))
        if said:
            return said
    words = _words(name)
    text = f" {' '.join(words)} "
    for phrase, code in COUNTRY_CODES.items():
        if f" {phrase} " in text and phrase not in ("us", "uk") and code not in ("HK", "MO"):
            return code
    if "usa" in words or ("u.s." in name.casefold()):
        return "US"
    key = name_key(name)
    if key is not None and key.form in FORM_COUNTRIES:
        return FORM_COUNTRIES[key.form]
    if key is not None and key.form in FOREIGN_FORMS and default == "CN":
        return None
    return default


# --- subordinate units ---------------------------------------------------------------

# Unit words that always name a part of a body: a university's laboratory, an
# academy's centre. Teaching and research words (institute, academy, college...) swap
# when a body is renamed ("Changsha Institute of Technology" became NUDT), so between
# two institutions they name a unit only when the owner lists many of them.
PART_WORDS = frozenset({"laboratory", "lab", "center", "centre", "department", "factory"})
BODY_WORDS = frozenset({"institute", "academy", "college", "school", "university"})
# A body has a former name or two; more names of one new kind are its parts (CAEP's
# fourteen "Southwest Institute of ..." are its institutes, not its former names).
RENAMES_AT_MOST = 3
# A variant of the owner's name shares this many distinctive words with it.
VARIANT_SHARED_WORDS = 2


def _distinctive(words: Iterable[str]) -> set[str]:
    return {w for w in words if w not in GENERIC and w not in PLACES and not w.isdigit()}


def unit_names(owner: str, aliases: Iterable[str], acronyms: Iterable[str] = ()) -> set[str]:
    """Which of ``aliases``, given as other names of ``owner``, name subordinate units.

    Trackers and lists give a group's academies, an academy's institutes and a
    university's laboratories among its names ("China Academy of Space Technology" for
    CASC); those are organisations of their own, tied to the owner. A unit's name holds
    the owner's whole name or acronym and a unit word ("5th Academy of CASC"), or has a
    unit word (or, under an institution, a company form) that the owner's name lacks,
    without sharing enough distinctive words to be a spelling of it. Chinese names and
    acronyms are left alone.
    """
    o_key = name_key(owner) if not has_han(owner) else None
    if o_key is None:
        return set()
    o_words = set(o_key.words)
    owner_is_body = bool(o_words & INSTITUTION_WORDS)
    acronym_set = {x.casefold() for x in acronyms}
    units: set[str] = set()
    body_swaps: dict[str, list[str]] = defaultdict(list)
    for alias in aliases:
        a_key = None if has_han(alias) else name_key(alias)
        if a_key is None or len(a_key.words) < 2:
            continue
        a_words = set(a_key.words)
        new_words = (a_words & (PART_WORDS | BODY_WORDS)) - o_words
        if new_words and (o_words <= a_words or acronym_set & a_words):
            units.add(alias)
        elif len(_distinctive(a_words) & _distinctive(o_words)) >= VARIANT_SHARED_WORDS:
            continue
        elif new_words & PART_WORDS or (new_words and not owner_is_body):
            units.add(alias)
        elif new_words:
            for word in new_words:
                body_swaps[word].append(alias)
        elif a_key.form is not None and owner_is_body and o_key.form is None:
            units.add(alias)  # a company under an institution: CAEP's trading companies
    for swapped in body_swaps.values():
        if len(swapped) > RENAMES_AT_MOST:
            units.update(swapped)
    return units


# --- reviewed decisions ----------------------------------------------------------------

MERGE = "merge"
KEEP_APART = "keep apart"


@dataclass(frozen=True)
class Decision:
    names: tuple[str, str]
    decision: str  # MERGE | KEEP_APART
    reason: str
    line: int = 0


def default_decisions_path() -> Path:
    from registry.bundled import data_dir

    return data_dir() / "resolution" / "decisions.yaml"


def load_decisions(path: Path | None = None) -> list[Decision]:
    """The operator's reviewed decisions; a missing file is no decisions."""
    path = path or default_decisions_path()
    if not path.is_file():
        return []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BadImportError(f"not YAML ({exc})", file=str(path)) from exc
    out = []
    for n, item in enumerate(doc.get("decisions") or [], start=1):
        where = f"decisions[{n}]"
        names = item.get("names") if isinstance(item, dict) else None
        decision = item.get("decision") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        if not (isinstance(names, list) and len(names) == 2 and all(names)):
            raise BadImportError("needs two names", file=str(path), field=f"{where}.names")
        if decision not in (MERGE, KEEP_APART):
            raise BadImportError(
                f"decision must be {MERGE!r} or {KEEP_APART!r}", file=str(path), field=where
            )
        if not reason:
            raise BadImportError("a decision needs a reason", file=str(path), field=where)
        out.append(Decision((str(names[0]), str(names[1])), decision, str(reason), n))
    return out


# --- candidate pairs -------------------------------------------------------------------


@dataclass
class Named:
    """One entity as resolution sees it."""

    id: int
    key: str
    name: str
    kind: str
    country: str | None
    primary: list[NameKey] = field(default_factory=list)  # name and native name
    alternate: list[NameKey] = field(default_factory=list)  # strong aliases
    alternate_names: dict[NameKey, str] = field(default_factory=dict)  # key -> as written
    acronyms: set[str] = field(default_factory=set)
    codes: set[tuple[str, str]] = field(default_factory=set)

    def bases(self) -> set[str]:
        return {k.base for k in (*self.primary, *self.alternate)}


@dataclass(frozen=True)
class Pair:
    """Two entities that may be one organisation, with the evidence."""

    a: int
    b: int
    rule: str  # identifier | name | alias | legal form | place | acronym
    evidence: str
    strong: bool  # merged without review, unless something keeps them apart

    @property
    def ids(self) -> frozenset[int]:
        return frozenset((self.a, self.b))


def _snapshot(session: Session) -> dict[int, Named]:
    """Every entity's keys. A deduplicated source's records pair with each other only on
    identifiers, so their names need keys only where they may meet another source's: a
    name whose first word starts no other source's key is not keyed (a million-line
    OpenSanctions import must not pay ~50 us a name for pairs it can never make)."""
    entities: dict[int, Named] = {}
    names: list[tuple[int, str, bool, bool]] = []  # entity, name, primary, weak
    for id_, key, name, native, kind, country in session.execute(
        select(Entity.id, Entity.key, Entity.name, Entity.native_name, Entity.kind, Entity.country)
    ):
        entities[id_] = Named(id_, key, name, kind, country)
        names += [(id_, n, True, False) for n in (name, native) if n]
    names += [
        (entity_id, name, False, weak)
        for entity_id, name, weak in session.execute(
            select(Alias.entity_id, Alias.name, Alias.weak)
        )
    ]
    deduplicated = {i for i, e in entities.items() if e.key.startswith(DEDUPLICATED_KEY_PREFIXES)}
    later: list[tuple[int, str, bool, bool]] = []
    for item in names:
        if item[0] in deduplicated and not item[3]:
            later.append(item)
        else:
            _add_name(entities[item[0]], *item[1:])
    first_words = {
        k.words[0] for e in entities.values() if e.id not in deduplicated for k in e.primary
    } | {k.words[0] for e in entities.values() if e.id not in deduplicated for k in e.alternate}
    for entity_id, name, primary, weak in later:
        if has_han(name) or _first_word(name) in first_words:
            _add_name(entities[entity_id], name, primary, weak)
    for entity_id, scheme, value in session.execute(
        select(Identifier.entity_id, Identifier.scheme, Identifier.value)
    ):
        entities[entity_id].codes.add((scheme, value))
    return entities


def _add_name(entity: Named, name: str, primary: bool, weak: bool) -> None:
    if weak:
        entity.acronyms.add(name.casefold())
    elif (k := name_key(name)) is not None:
        (entity.primary if primary else entity.alternate).append(k)
        if not primary:
            entity.alternate_names.setdefault(k, name)


def _names_a_unit(holder: Named, key: NameKey) -> bool:
    """True when ``holder`` has ``key`` as an alternate name that names one of its units
    (a tracker gives CAEP's research centres among its names): another organisation's
    own name, which says nothing about ``holder``'s identity."""
    written = holder.alternate_names.get(key)
    if written is None:
        return False
    return bool(unit_names(holder.name, [written], holder.acronyms))


def _first_word(name: str) -> str:
    """The first word a key of ``name`` would start with, cheaply (no full key)."""
    for word in name.split()[:3]:
        folded = "".join(_WORD.findall(ascii_text(word).casefold()))
        if folded and folded not in FOLDED_WORDS:
            return PLACE_ABBREVIATIONS.get(folded, folded)
    return ""


def candidate_pairs(session: Session, entities: dict[int, Named]) -> list[Pair]:
    """Every pair that a key links, strongest evidence first, one entry per pair."""
    found: dict[frozenset[int], Pair] = {}

    def add(a: int, b: int, rule: str, evidence: str, strong: bool) -> None:
        if a == b:
            return
        if rule != "identifier" and all(
            entities[x].key.startswith(DEDUPLICATED_KEY_PREFIXES) for x in (a, b)
        ):
            return
        pair = Pair(min(a, b), max(a, b), rule, evidence, strong)
        held = found.get(pair.ids)
        if held is None or (strong and not held.strong):
            found[pair.ids] = pair

    by_code: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in entities.values():
        for code in e.codes:
            if code[0] in UNIQUE_SCHEMES:
                by_code[code].append(e.id)
    for (scheme, value), ids in by_code.items():
        for x, y in _pairs(ids):
            add(x, y, "identifier", f"{scheme.upper()} {value}", True)

    by_base: dict[str, list[tuple[int, NameKey, bool]]] = defaultdict(list)
    by_unplaced: dict[str, list[tuple[int, NameKey]]] = defaultdict(list)
    for e in entities.values():
        for k in e.primary:
            by_base[k.base].append((e.id, k, True))
            if (rest := k.unplaced()) is not None:
                by_unplaced[rest].append((e.id, k))
        for k in e.alternate:
            by_base[k.base].append((e.id, k, False))
        for k in e.primary:
            if k.place is None and len(k.words) >= 2:
                by_unplaced[k.base].append((e.id, k))
    for base, held in by_base.items():
        for (a, ka, pa), (b, kb, pb) in _pairs(held):
            if a == b:
                continue
            if compatible(ka, kb) and (pa or pb):
                rule = "name" if pa and pb else "alias"
                # One's own name that the other gives for a unit of its own says the
                # two are a body and its unit: no pair at all.
                unit = (not pa and _names_a_unit(entities[a], ka)) or (
                    not pb and _names_a_unit(entities[b], kb)
                )
                if not unit:
                    add(a, b, rule, f"same name {ka.describe()}", True)
            elif compatible(ka, kb):
                add(a, b, "alias", f"same alternate name {ka.describe()}", False)
            else:
                add(a, b, "legal form", f"{base!r} as {ka.form or '-'} and {kb.form or '-'}", False)
    for rest, placed in by_unplaced.items():
        for (a, ka), (b, kb) in _pairs(placed):
            if a != b and (ka.place is None) != (kb.place is None):
                add(a, b, "place", f"{rest!r} with and without {ka.place or kb.place!r}", False)
    for a, b, acronym in _renamed_parents(session, entities):
        add(a, b, "acronym", f"acronym {acronym!r} and a subsidiary listed under both", False)
    return sorted(found.values(), key=lambda p: (not p.strong, p.a, p.b))


def _pairs(items: list[Any]) -> Iterator[tuple[Any, Any]]:
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            yield first, second


def _renamed_parents(
    session: Session, entities: dict[int, Named]
) -> Iterator[tuple[int, int, str]]:
    """Two parents of one subsidiary that share an acronym: a list that renamed the
    parent between editions ("Shenzhen DJI Innovation Technology" then "Shenzhen DJI
    Technology", both "DJI"). Evidence for a review, never a merge on its own."""
    parents: dict[int, set[int]] = defaultdict(set)
    for subject, object_ in session.execute(
        select(Relationship.subject_id, Relationship.object_id).where(
            Relationship.type == "subsidiary_of"
        )
    ):
        parents[subject].add(object_)
    for held in parents.values():
        for a, b in _pairs(sorted(held)):
            shared = entities[a].acronyms & entities[b].acronyms
            if shared:
                yield a, b, sorted(shared)[0]


# --- deciding --------------------------------------------------------------------------


@dataclass
class Outcome:
    merged: list[str] = field(default_factory=list)
    kept_apart: list[str] = field(default_factory=list)


class _Clusters:
    """Union-find over entity ids, refusing a union whose two sides conflict."""

    def __init__(self, entities: dict[int, Named], apart: set[frozenset[int]]) -> None:
        self.entities = entities
        self.apart = apart
        self.parent: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}

    def root(self, x: int) -> int:
        while self.parent.setdefault(x, x) != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        self.members.setdefault(x, {x})
        return x

    def conflict(self, a: int, b: int) -> str | None:
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return None
        left, right = self.members[ra], self.members[rb]
        codes_a = {c for m in left for c in self.entities[m].codes if c[0] in UNIQUE_SCHEMES}
        codes_b = {c for m in right for c in self.entities[m].codes if c[0] in UNIQUE_SCHEMES}
        for scheme in {s for s, _ in codes_a} & {s for s, _ in codes_b}:
            if {v for s, v in codes_a if s == scheme} != {v for s, v in codes_b if s == scheme}:
                return f"different {scheme.upper()} codes"
        if any(frozenset((x, y)) in self.apart for x in left for y in right):
            return "kept apart by a decision or an undone merge"
        countries = {c for m in left | right if (c := self.entities[m].country)}
        if len(countries) > 1:
            return f"different countries ({', '.join(sorted(countries))})"
        return None

    def union(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[rb] = ra
            self.members[ra] |= self.members.pop(rb)


def _decided(
    decisions: list[Decision], entities: dict[int, Named]
) -> Iterator[tuple[Decision, int, int]]:
    """Each decision with the two entities it names: the one whose own name it is, else
    the one that has it as an alternate name (a name that names two is no decision)."""
    by_spelling: dict[str, set[int]] = defaultdict(set)
    by_form: dict[NameKey, set[int]] = defaultdict(set)
    by_primary: dict[str, set[int]] = defaultdict(set)
    by_any: dict[str, set[int]] = defaultdict(set)
    for e in entities.values():
        by_spelling[" ".join(_words(e.name))].add(e.id)
        for k in e.primary:
            by_form[NameKey(k.base, k.form)].add(e.id)
            by_primary[k.base].add(e.id)
        for base in e.bases():
            by_any[base].add(e.id)

    def named(name: str) -> set[int]:
        spelled = by_spelling.get(" ".join(_words(name)), set())
        key = name_key(name)
        if len(spelled) == 1 or key is None:
            return spelled
        exact = by_form.get(NameKey(key.base, key.form), set())
        return exact if len(exact) == 1 else by_primary.get(key.base) or by_any[key.base]

    for decision in decisions:
        first, second = (named(n) for n in decision.names)
        if len(first) == 1 and len(second) == 1 and first != second:
            yield decision, next(iter(first)), next(iter(second))


def resolve(
    session: Session,
    decisions: list[Decision] | None = None,
    *,
    import_run_id: int | None = None,
) -> Outcome:
    """Merge what strong keys and reviewed decisions say is one organisation."""
    decisions = load_decisions() if decisions is None else decisions
    entities = _snapshot(session)
    outcome = Outcome()
    apart = {p for p in _undone_pairs(session, entities)}
    reviewed: list[tuple[int, int, str, str]] = []
    for decision, a, b in _decided(decisions, entities):
        if decision.decision == KEEP_APART:
            apart.add(frozenset((a, b)))
        else:
            reviewed.append((a, b, "decision", f"reviewed: {decision.reason}"))
    pairs = candidate_pairs(session, entities)
    linked = _linked_pairs(session)
    touched = _touched(session, import_run_id)

    def report(pair: Pair, why: str) -> None:
        # Near pairs are told by the import that touched one of them, not by every import.
        if touched is None or pair.a in touched or pair.b in touched:
            outcome.kept_apart.append(_describe(entities, pair, why))

    for pair in pairs:
        if pair.strong and pair.ids in linked:
            report(pair, "one is tied to the other")
    # Strong keys first, so a merge cites the key when a decision says the same.
    to_merge = [(p.a, p.b, p.rule, p.evidence) for p in pairs if p.strong and p.ids not in linked]
    to_merge += reviewed
    clusters = _Clusters(entities, apart)
    merges: list[tuple[int, int, str, str]] = []
    for a, b, rule, evidence in to_merge:
        if clusters.root(a) == clusters.root(b):
            continue
        why = clusters.conflict(a, b)
        if why is not None:
            report(Pair(min(a, b), max(a, b), rule, evidence, True), why)
            continue
        clusters.union(a, b)
        merges.append((a, b, rule, evidence))
    kept: dict[int, int] = {}
    for a, b, rule, evidence in merges:
        ka, kb = _final(kept, a), _final(kept, b)
        if ka == kb:
            continue
        keep, drop = sorted((ka, kb), key=lambda i: _precedence(entities[i]))
        merge_entities(session, keep, drop, rule=rule, evidence=evidence, run_id=import_run_id)
        kept[drop] = keep
        outcome.merged.append(
            f"{entities[drop].name!r} -> {entities[keep].name!r} ({rule}: {evidence})"
        )
    return outcome


def _final(kept: dict[int, int], x: int) -> int:
    while x in kept:
        x = kept[x]
    return x


def _precedence(e: Named) -> tuple[bool, bool, int]:
    # Hand-curated entities (keys without an importer's prefix) keep their key and name;
    # then an entity a public list made (its name is the list's spelling, not a tracker's
    # "... (Shanghai)"); then the oldest, whose key cards and buttons already carry.
    generated = e.key.startswith(GENERATED_KEY_PREFIXES)
    return (generated, not e.key.startswith("org-"), e.id)


def _describe(entities: dict[int, Named], pair: Pair, why: str) -> str:
    return f"{entities[pair.a].name!r} ~ {entities[pair.b].name!r} ({pair.evidence}; {why})"


def _touched(session: Session, run_id: int | None) -> set[int] | None:
    if run_id is None:
        return None
    ids = session.scalars(select(Change.entity_id).where(Change.import_run_id == run_id))
    return {i for i in ids if i is not None}


def _linked_pairs(session: Session) -> set[frozenset[int]]:
    return {
        frozenset(row)
        for row in session.execute(select(Relationship.subject_id, Relationship.object_id))
    }


def _undone_pairs(session: Session, entities: dict[int, Named]) -> Iterator[frozenset[int]]:
    by_key = {e.key: e.id for e in entities.values()}
    for kept_id, merged_key in session.execute(
        select(Merge.kept_id, Merge.merged_key).where(Merge.undone_at.is_not(None))
    ):
        other = by_key.get(merged_key)
        if kept_id is not None and other is not None:
            yield frozenset((kept_id, other))


# --- merging and undoing ---------------------------------------------------------------


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


# --- likely duplicates -----------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    pair: Pair
    names: tuple[str, str]
    keys: tuple[str, str]
    decision: Decision | None

    @property
    def decided(self) -> bool:
        return self.decision is not None


def duplicates(session: Session, decisions: list[Decision] | None = None) -> list[Duplicate]:
    """Pairs still apart that look like one organisation, each with its decision if the
    reviewed file has one. Strong pairs kept apart (a conflict) are listed too."""
    decisions = load_decisions() if decisions is None else decisions
    entities = _snapshot(session)
    decided = {frozenset((a, b)): d for d, a, b in _decided(decisions, entities)}
    out = []
    for pair in candidate_pairs(session, entities):
        a, b = entities[pair.a], entities[pair.b]
        out.append(Duplicate(pair, (a.name, b.name), (a.key, b.key), decided.get(pair.ids)))
    return out
