"""Deciding: merge what strong keys and reviewed decisions say is one organisation,
unless something keeps the two apart (a decision, an undone merge, two codes of one
scheme, two countries, a tie between them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    Change,
    Merge,
    Relationship,
)
from registry.resolution.decisions import KEEP_APART, Decision, load_decisions
from registry.resolution.keys import NameKey, key_words, name_key
from registry.resolution.merge import merge_entities
from registry.resolution.pairs import (
    GENERATED_KEY_PREFIXES,
    UNIQUE_SCHEMES,
    Named,
    Pair,
    candidate_pairs,
    snapshot,
)


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


def decided(
    decisions: list[Decision], entities: dict[int, Named]
) -> Iterator[tuple[Decision, int, int]]:
    """Each decision with the two entities it names: the one whose own name it is, else
    the one that has it as an alternate name (a name that names two is no decision)."""
    by_spelling: dict[str, set[int]] = defaultdict(set)
    by_form: dict[NameKey, set[int]] = defaultdict(set)
    by_primary: dict[str, set[int]] = defaultdict(set)
    by_any: dict[str, set[int]] = defaultdict(set)
    for e in entities.values():
        by_spelling[" ".join(key_words(e.name))].add(e.id)
        for k in e.primary:
            by_form[NameKey(k.base, k.form)].add(e.id)
            by_primary[k.base].add(e.id)
        for base in e.bases():
            by_any[base].add(e.id)

    def named(name: str) -> set[int]:
        spelled = by_spelling.get(" ".join(key_words(name)), set())
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
    entities = snapshot(session)
    outcome = Outcome()
    apart = {p for p in _undone_pairs(session, entities)}
    reviewed: list[tuple[int, int, str, str]] = []
    for decision, a, b in decided(decisions, entities):
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
