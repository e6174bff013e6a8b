"""Candidate pairs: every entity's keys, and the pairs they link with their evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    Alias,
    Entity,
    Identifier,
    Relationship,
)
from registry.names.normalize import ascii_text
from registry.names.script import has_han
from registry.resolution.keys import (
    FOLDED_WORDS,
    KEY_WORD,
    PLACE_ABBREVIATIONS,
    NameKey,
    compatible,
    name_key,
    unit_names,
)
from registry.resolution.numbered import numbered_units

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
    rule: str  # identifier | name | alias | numbered unit | legal form | place | acronym
    evidence: str
    strong: bool  # merged without review, unless something keeps them apart

    @property
    def ids(self) -> frozenset[int]:
        return frozenset((self.a, self.b))


def snapshot(session: Session) -> dict[int, Named]:
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
        folded = "".join(KEY_WORD.findall(ascii_text(word).casefold()))
        if folded and folded not in FOLDED_WORDS:
            return PLACE_ABBREVIATIONS.get(folded, folded)
    return ""


def candidate_pairs(session: Session, entities: dict[int, Named]) -> list[Pair]:
    """Every pair that a key links, strongest evidence first, one entry per pair."""
    found: dict[frozenset[int], Pair] = {}
    ties = session.execute(
        select(Relationship.subject_id, Relationship.object_id).where(
            Relationship.type == "subsidiary_of"
        )
    ).all()
    units = {frozenset(row) for row in ties}
    # The own names of each body's units: the body giving one among its names (in Chinese
    # too, where the words say nothing) names the unit, not itself.
    unit_keys: dict[int, set[NameKey]] = defaultdict(set)
    for unit, owner in ties:
        if unit in entities and owner in entities:
            unit_keys[owner].update(entities[unit].primary)

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
            if a == b or (not (pa and pb) and frozenset((a, b)) in units):
                continue  # a body and its unit, tied by a source, sharing a name
            if compatible(ka, kb) and (pa or pb):
                rule = "name" if pa and pb else "alias"
                # One's own name that the other gives for a unit of its own says the
                # two are a body and its unit: no pair at all. So does a source's tie
                # of one to the other (a Chinese unit name says nothing by its words).
                unit = (
                    (not pa and _names_a_unit(entities[a], ka))
                    or (not pb and _names_a_unit(entities[b], kb))
                    or (not pa and ka in unit_keys.get(a, ()))
                    or (not pb and kb in unit_keys.get(b, ()))
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
    for (group, kind, number), members in numbered_units(
        *_units_and_groups(entities, ties)
    ).items():
        for a, b in _pairs(sorted(members)):
            if frozenset((a, b)) not in units:
                evidence = f"same number: {kind} {number} of {entities[group].name!r}"
                add(a, b, "numbered unit", evidence, True)
    for a, b, acronym in _renamed_parents(session, entities):
        add(a, b, "acronym", f"acronym {acronym!r} and a subsidiary listed under both", False)
    return sorted(found.values(), key=lambda p: (not p.strong, p.a, p.b))


def _units_and_groups(
    entities: dict[int, Named], ties: Iterable[Any]
) -> tuple[dict[int, list[str]], dict[int, set[int]], dict[int, list[str]]]:
    """What ``numbered.numbered_units`` reads: the Latin names of every entity tied to a
    parent, the ties, and the names and acronyms of the parents."""
    parents: dict[int, set[int]] = defaultdict(set)
    for unit, owner in ties:
        if unit in entities and owner in entities:
            parents[unit].add(owner)
    groups = {owner for owners in parents.values() for owner in owners}

    def latin(e: Named) -> list[str]:
        return [n for n in (e.name, *e.alternate_names.values()) if not has_han(n)]

    names = {unit: latin(entities[unit]) for unit in parents}
    group_names = {g: [*latin(entities[g]), *entities[g].acronyms] for g in groups}
    return names, parents, group_names


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
