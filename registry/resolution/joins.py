"""Joins at load time, for importers: one entity per organisation, never a guessed merge.

An incoming record joins an existing entity only on strong evidence: the same
registration code (USCC), or the same normalised name or strong alias (legal forms,
case, punctuation and spelling variants folded). Names that are merely similar are
reported as near misses and kept apart: a wrong merge is worse than a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Alias, Entity, Identifier
from registry.names.aliases import empty_alias
from registry.resolution.decisions import KEEP_APART, load_decisions
from registry.resolution.keys import NameKey, singular_key, token_key
from registry.resolution.keys import name_key as resolution_key

NEAR_MISS = 92.0


def _kept_apart() -> dict[NameKey, set[NameKey]]:
    """The reviewed ``keep apart`` decisions, both ways, by resolution key: a load-time
    join honours them as resolution does (a join made here is never reviewed again)."""
    out: dict[NameKey, set[NameKey]] = {}
    for decision in load_decisions():
        if decision.decision != KEEP_APART:
            continue
        first, second = (resolution_key(n) for n in decision.names)
        if first is not None and second is not None and first != second:
            out.setdefault(first, set()).add(second)
            out.setdefault(second, set()).add(first)
    return out


@dataclass
class Resolution:
    entity: Entity | None
    reason: str | None = None  # "USCC 91330000...", "name 'Baidu'", ...
    near_misses: list[str] = field(default_factory=list)


class Resolver:
    """Built once per import from the database; told about each entity it creates."""

    def __init__(self, session: Session, *, report_near_misses: bool = True) -> None:
        # Near-miss reports scan every known name: fine for list-sized imports, too slow
        # for a million-line FollowTheMoney file, whose importer turns them off.
        self.session = session
        self.report_near_misses = report_near_misses
        self._by_key: dict[str, set[int]] = {}
        self._by_variant: dict[str, set[int]] | None = None  # built on first use
        self._by_code: dict[tuple[str, str], int] = {}
        self._entities: dict[int, Entity] = {}
        for entity in session.scalars(select(Entity)):
            self._remember(entity, [entity.name, entity.native_name])
        for alias in session.scalars(select(Alias).where(Alias.weak.is_(False))):
            self._index_name(alias.entity_id, alias.name)
        for ident in session.scalars(select(Identifier)):
            self._by_code[(ident.scheme, ident.value)] = ident.entity_id
        self._apart = _kept_apart()

    def _remember(self, entity: Entity, names: Iterable[str | None]) -> None:
        self._entities[entity.id] = entity
        for name in names:
            if name:
                self._index_name(entity.id, name)

    def _index_name(self, entity_id: int, name: str) -> None:
        if empty_alias(name) is not None:
            return  # "China", "Co., Ltd.": no organisation's name, no join
        key = token_key(name)
        if key:
            self._by_key.setdefault(key, set()).add(entity_id)
            if self._by_variant is not None:
                self._by_variant.setdefault(singular_key(key), set()).add(entity_id)

    def register(
        self,
        entity: Entity,
        names: Iterable[str | None] = (),
        codes: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Record a new or extended entity (it must have been flushed, to have an id)."""
        self._remember(entity, [entity.name, entity.native_name, *names])
        for code in codes:
            self._by_code.setdefault(code, entity.id)

    def find(
        self, names: Iterable[str | None], codes: Iterable[tuple[str, str]] = ()
    ) -> Resolution:
        for scheme, value in codes:
            found = self._by_code.get((scheme, value))
            if found is not None:
                return Resolution(self._entities[found], f"{scheme.upper()} {value}")
        wanted = [n for n in names if n and empty_alias(n) is None]
        # A reviewed "keep apart" for any of the names keeps the organisation from that
        # entity under all of them ("Hytera Communications" as well as "... Corporation").
        held = {h for name in wanted for h in self._by_key.get(token_key(name), ())}
        apart = {h for h in held if any(self._apart_from(name, h) for name in wanted)}
        for name in wanted:
            hits = self._by_key.get(token_key(name), set()) - apart
            if len(hits) == 1:
                (hit,) = hits
                return Resolution(self._entities[hit], f"same name {name!r}")
        near = self._near_misses(wanted) if self.report_near_misses else []
        return Resolution(None, near_misses=near)

    def _apart_from(self, name: str, entity_id: int) -> bool:
        """True when a reviewed decision keeps the organisation ``name`` names apart from
        the entity named by the decision's other name (the Hytera of the NDAA and the Hytera
        of the EU annex)."""
        key = resolution_key(name)
        others = self._apart.get(key) if key is not None else None
        if not others:
            return False
        # The entity whose own name the decision gives (another list may give that name
        # among the first organisation's aliases: the decision is the reviewed answer).
        return resolution_key(self._entities[entity_id].name) in others

    def spelling_variant(self, name: str) -> Entity | None:
        """The one entity with a name that ``name`` spells with a word in the singular or
        the plural ("China Electronic Technology Group Corporation" for CETC), if any: a
        parent read from a listed name is that organisation, not a new one."""
        wanted = singular_key(token_key(name))
        if not wanted:
            return None
        if self._by_variant is None:
            self._by_variant = {}
            for key, ids in self._by_key.items():
                self._by_variant.setdefault(singular_key(key), set()).update(ids)
        hits = self._by_variant.get(wanted, set())
        if len(hits) != 1:
            return None
        (hit,) = hits
        return self._entities[hit]

    def candidates(self, name: str) -> list[Entity]:
        """Every entity with this normalised name or strong alias (``find`` takes only one)."""
        ids = sorted(self._by_key.get(token_key(name), set()))
        return [self._entities[i] for i in ids]

    def _near_misses(self, names: list[str]) -> list[str]:
        """Similar but not the same: listed in the import summary, never merged."""
        out = []
        for name in names[:2]:
            key = token_key(name)
            if len(key) < 8:
                continue
            # rapidfuzz scans every known key in C (a Python loop made whole-list
            # imports spend most of their time here); the length rule then applies.
            hits = process.extract(
                key, list(self._by_key), scorer=fuzz.ratio, score_cutoff=NEAR_MISS, limit=None
            )
            for other, _score, _index in hits:
                if other != key and abs(len(other) - len(key)) < 6:
                    out += [f"{name!r} ~ {self._entities[i].name!r}" for i in self._by_key[other]]
        return out[:5]
