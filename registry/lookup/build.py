"""The name index's storage: every registry name as a record, kept column by column,
built from the registry, refreshed from its change log, and compacted; and the word
statistics (inverse document frequency) that scoring weighs words by.

Sized for a million names: records are kept column by column (texts, entity ids, token
ids), and the postings, exact keys and typo variants live in sorted NumPy arrays
(``tables.IntMultimap``).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self, overload

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from registry.lookup import typos
from registry.lookup.tables import EMPTY, IntArray, IntMultimap, remembered, str_key
from registry.lookup.types import LookupResult, NameField
from registry.models import Alias, Change, Entity, ImportRun
from registry.names import normalize
from registry.names.legal_forms import TRAILING_NEUTRAL_FORMS

if TYPE_CHECKING:
    from registry.lookup.candidates import Group

# What a generic word ("University", "Technology") weighs against a word of the same
# frequency that is not: lower lets the distinctive words decide more alone.
GENERIC_WEIGHT = 0.15
# A listed name keeps at least this many words when its trailing legal form goes.
MIN_BARE_WORDS = 2
# Chinese names of at least this many characters are found with one character wrong.
HAN_NEAR_MIN = 4
# Compact when this share of the records is retired.
DEAD_SHARE = 5
# Entities whose main name is remembered (a few MB at most, whatever the registry's size).
MAX_NAMES = 50_000


@dataclass(frozen=True, slots=True)
class NameRecord:
    entity_id: int
    text: str
    how: str  # which of its names (a ``NameField``: "name", "alias", "Chinese name", ...)
    weak: bool
    tokens: tuple[str, ...]


class _Records(Sequence[NameRecord]):
    """The records as objects, built on demand from the index's columns."""

    def __init__(self, index: NameStore) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index._texts)

    @overload
    def __getitem__(self, i: int) -> NameRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[NameRecord]: ...
    def __getitem__(self, i: int | slice) -> NameRecord | Sequence[NameRecord]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._index.record(i)

    def __iter__(self) -> Iterator[NameRecord]:
        return (self._index.record(i) for i in range(len(self)))


class NameStore:
    """The records and words of the index (``NameIndex`` adds the lookup)."""

    def __init__(self) -> None:
        # Records, column by column.
        self._texts: list[str] = []
        self._entity = array("i")
        self._how = bytearray()
        self._weak = bytearray()
        self._tok_start = array("q", [0])
        self._tok_data = array("i")
        # Words: id <-> text, and how many live names hold each (for weights).
        self._vocab: dict[str, int] = {}
        self._words: list[str] = []
        self._df = array("i")
        self._generic = bytearray()
        self._hows: list[str] = []
        self._how_codes: dict[str, int] = {}
        # The number columns above are read in place from a saved file (``saved``) until
        # the index first changes (``_own_columns``).
        self._columns_mapped = False
        # Entity id -> record of its main name.
        self._name_rec: dict[int, int] = {}
        self.exact = IntMultimap()  # hash of a whole-name key -> record
        self.postings = IntMultimap(small_keys=True)  # word id -> records (ascending)
        self.deletes = IntMultimap()  # hash of a word less one letter -> word id
        # Chinese names less one character: one wrong, missing or extra character in a
        # Chinese name breaks several bigrams at once, but not this.
        self.han_near = IntMultimap()  # hash of a Chinese name less one character -> record
        # Records of changed entities are retired in place (a refresh must not stall
        # lookups by rebuilding a million names); compacted when too many are dead.
        self.dead: frozenset[int] = frozenset()
        self._dead_sorted: IntArray = EMPTY
        self.last_change_id = 0
        # The newest import run seen: with ``last_change_id``, what replies built from the
        # registry are keyed by (``state``).
        self.last_run_id = 0
        self._idf: dict[int, float] = {}
        # Record -> the weight of all its words (from ``_idf``: forgotten with it).
        self._rec_weight: dict[int, float] = {}
        # Query word -> index words within its typo budget, remembered across lookups
        # (the same words are typed again and again); forgotten when a word is added.
        self._similar: dict[tuple[str, bool], list[tuple[int, float]]] = {}
        # Queries answered since the index last changed (``lookup``).
        self._answers: dict[tuple[str, int], LookupResult] = {}
        # Query word -> what it may match (``candidates.Group``), and entity id -> its main
        # name, since the index last changed: the same words and organisations come back
        # in query after query, asked or not before.
        self._groups: dict[tuple[str, bool], Group | None] = {}
        self._names: dict[int, str] = {}

    # -- reading ------------------------------------------------------------------

    @property
    def records(self) -> Sequence[NameRecord]:
        return _Records(self)

    @property
    def vocabulary(self) -> Sequence[str]:
        return self._words

    def record(self, i: int) -> NameRecord:
        return NameRecord(
            self._entity[i],
            self._texts[i],
            self._hows[self._how[i]],
            bool(self._weak[i]),
            tuple(self._words[t] for t in self._record_tokens(i)),
        )

    def entity_name(self, entity_id: int) -> str:
        return remembered(self._names, entity_id, MAX_NAMES, self._entity_name, entity_id)

    def _entity_name(self, entity_id: int) -> str:
        rec = self._name_rec.get(entity_id)
        return self._texts[rec] if rec is not None else ""

    def _record_tokens(self, i: int) -> array[int]:
        return self._tok_data[self._tok_start[i] : self._tok_start[i + 1]]

    # -- building -----------------------------------------------------------------

    @classmethod
    def build(cls, session: Session) -> Self:
        index = cls()
        index.last_change_id = _newest(session, Change.id)
        index.last_run_id = _newest(session, ImportRun.id)
        index._add_entities(session, None)
        index.freeze()
        return index

    def freeze(self) -> None:
        """Sort what was added into the lookup arrays (``build`` does it; lookups too)."""
        self._forget()
        for table in (self.exact, self.postings, self.deletes, self.han_near):
            table.freeze()

    @property
    def frozen(self) -> bool:
        return self.postings.frozen

    def refresh(self, session: Session) -> int:
        """Follow the change log: retire changed entities' names, add their new ones."""
        self.last_run_id = _newest(session, ImportRun.id)
        rows = session.execute(
            select(Change.id, Change.entity_id).where(Change.id > self.last_change_id)
        ).all()
        if not rows:
            return 0
        self.last_change_id = max(r.id for r in rows)
        touched = {r.entity_id for r in rows if r.entity_id is not None}
        if touched:
            self._drop(touched)
            self._add_entities(session, touched)
            self._forget()
        return len(touched)

    @property
    def state(self) -> tuple[int, int]:
        """What a reply built from the registry (a card, the editions in force) is kept
        under: the change-log position and the newest import run. A run that reads a newer
        edition and adds or ends nothing writes no change row, yet it cites that edition
        on the listings it restates (and may state an earlier start): its run id says so."""
        return (self.last_change_id, self.last_run_id)

    def _forget(self) -> None:
        """Forget what lookups remembered of the index as it was. Replaced, not cleared,
        and only once the change is complete: lookups running on other threads keep the
        old ones, and what they add there is not seen again."""
        self._idf, self._rec_weight, self._answers = {}, {}, {}
        self._groups, self._names = {}, {}

    @property
    def needs_compaction(self) -> bool:
        return len(self.dead) > max(1000, len(self._texts) // DEAD_SHARE)

    def _own_columns(self) -> None:
        """Copies of the number columns that this index can change, in place of the
        read-only views of a saved file it was opened with."""
        if not self._columns_mapped:
            return
        self._entity = array("i", self._entity.tobytes())
        self._how, self._weak = bytearray(self._how), bytearray(self._weak)
        self._tok_start = array("q", self._tok_start.tobytes())
        self._tok_data = array("i", self._tok_data.tobytes())
        self._df = array("i", self._df.tobytes())
        self._generic = bytearray(self._generic)
        self._columns_mapped = False

    def _drop(self, entity_ids: set[int]) -> None:
        self._own_columns()
        owners = np.frombuffer(self._entity, np.int32)
        hits = np.flatnonzero(np.isin(owners, np.fromiter(entity_ids, np.int32)))
        del owners  # release the buffer: the column grows again below
        retired = [int(i) for i in hits if int(i) not in self.dead]
        for i in retired:
            if not self._weak[i]:
                for t in set(self._record_tokens(i)):
                    self._df[t] -= 1
        # Replaced, not mutated: lookups on other threads read them without a lock.
        self.dead = self.dead.union(retired)
        self._dead_sorted = np.array(sorted(self.dead), np.int32)
        for entity_id in entity_ids:
            self._name_rec.pop(entity_id, None)

    def compacted(self) -> Self:
        """A new index without the retired records (the old one stays usable meanwhile)."""
        self._own_columns()  # the words' columns are shared with the new index
        alive = np.ones(len(self._texts), bool)
        alive[self._dead_sorted] = False
        remap = np.where(alive, np.cumsum(alive) - 1, -1).astype(np.int32)
        new = type(self)()
        new.last_change_id = self.last_change_id
        new.last_run_id = self.last_run_id
        # Words are shared: their ids stay valid, and the old index is no longer written.
        new._vocab, new._words, new._df = self._vocab, self._words, self._df
        new._generic, new._hows, new._how_codes = self._generic, self._hows, self._how_codes
        new.deletes = self.deletes
        keep = np.flatnonzero(alive).tolist()
        new._texts = [self._texts[i] for i in keep]
        new._entity = array("i", (self._entity[i] for i in keep))
        new._how = bytearray(self._how[i] for i in keep)
        new._weak = bytearray(self._weak[i] for i in keep)
        for i in keep:
            new._tok_data.extend(self._record_tokens(i))
            new._tok_start.append(len(new._tok_data))
        new._name_rec = {e: int(remap[r]) for e, r in self._name_rec.items()}
        new.exact = self.exact.remapped(remap)
        new.postings = self.postings.remapped(remap)
        new.han_near = self.han_near.remapped(remap)
        return new

    def _add_entities(self, session: Session, only: set[int] | None) -> None:
        query = select(Entity.id, Entity.name, Entity.native_name)
        alias_query = select(Alias.entity_id, Alias.name, Alias.weak)
        if only is not None:
            query = query.where(Entity.id.in_(only))
            alias_query = alias_query.where(Alias.entity_id.in_(only))
        for entity_id, name, native in session.execute(query):
            self.add_name(entity_id, name, NameField.NAME)
            if native:
                self.add_name(entity_id, native, NameField.CHINESE)
        for entity_id, name, weak in session.execute(alias_query):
            field = NameField.ACRONYM if weak else NameField.ALIAS
            self.add_name(entity_id, name, field, weak=weak)

    def add_name(self, entity_id: int, text: str, how: str, *, weak: bool = False) -> None:
        if self.frozen:  # added by hand after a lookup (a refresh forgets once it is done)
            self._forget()
        self._own_columns()
        toks = normalize.tokens(text)
        if not toks and not text.strip():
            return
        idx = len(self._texts)
        if how == NameField.NAME:
            self._name_rec[entity_id] = idx
        ids = [self._word_id(t) for t in toks]
        self._texts.append(text)
        self._entity.append(entity_id)
        self._how.append(self._how_code(how))
        self._weak.append(weak)
        self._tok_data.extend(ids)
        self._tok_start.append(len(self._tok_data))
        keys = {" ".join(toks), normalize.compact(text)}
        if how == NameField.NAME:
            # The listed name without the "Corporation" or "Company" that ends it is that
            # organisation's name too ("China Aerospace Science and Technology"): an exact
            # key, so it answers as a match unless another name has the same words.
            bare = list(toks)
            while len(bare) > MIN_BARE_WORDS and bare[-1] in TRAILING_NEUTRAL_FORMS:
                bare.pop()
            if len(bare) < len(toks):
                keys.add(" ".join(bare))
        if normalize.has_han(text):
            keys.update(normalize.pinyin_keys(text))
            han = normalize.han_text(text)
            if len(han) >= HAN_NEAR_MIN:
                for variant in set(typos.deletes(han)):
                    self.han_near.add(str_key(variant), idx)
        for key in keys:
            if key:
                self.exact.add(str_key(key), idx)
        if weak:
            return  # weak names answer exact queries only
        for t in set(ids):
            self._df[t] += 1
            self.postings.add(t, idx)

    def _word_id(self, token: str) -> int:
        found = self._vocab.get(token)
        if found is not None:
            return found
        tid = len(self._words)
        self._vocab[token] = tid
        self._words.append(token)
        self._df.append(0)
        self._generic.append(token in normalize.GENERIC)
        if typos.typo_budget(token) or typos.is_short_word(token):
            for variant in set(typos.deletes(token)):
                self.deletes.add(str_key(variant), tid)
        # Replaced, not cleared, once the word is complete: a lookup on another thread
        # that finds the new memo also finds the word's typo variants (one that read the
        # memo before keeps the old, which is dropped).
        self._similar = {}
        return tid

    def _how_code(self, how: str) -> int:
        code = self._how_codes.get(how)
        if code is None:
            code = self._how_codes[how] = len(self._hows)
            self._hows.append(how)
        return code

    # -- word weights -------------------------------------------------------------

    def _live_count(self) -> int:
        return max(len(self._texts) - len(self.dead), 1)

    def idf(self, tid: int) -> float:
        cached = self._idf.get(tid)
        if cached is not None:
            return cached
        weight = self._weight(self._df[tid], bool(self._generic[tid]))
        self._idf[tid] = weight
        return weight

    def word_weight(self, token: str) -> float:
        """The weight of a query word, whether or not any name has it. A number weighs as
        a generic word: a name without it is another body (``scoring``
        ``NUMBER_MISSING_FACTOR``), but one near enough to suggest ("CETC 99th Research
        Institute", which no name has, suggests CETC's institutes, not nothing)."""
        if token.isdigit():
            return self._weight(0, True)
        tid = self._vocab.get(token)
        if tid is not None:
            return self.idf(tid)
        return self._weight(0, token in normalize.GENERIC)

    def _weight(self, df: int, generic: bool) -> float:
        """Inverse document frequency; generic words ("university") weigh little."""
        weight = math.log((self._live_count() + 1) / (df + 1)) + 1.0
        return weight * (GENERIC_WEIGHT if generic else 1.0)

    def _weight_of(self, tokens: set[int]) -> float:
        return sum(self._idf.get(t) or self.idf(t) for t in tokens) or 1.0


def _newest(session: Session, column: InstrumentedAttribute[int]) -> int:
    """The highest id in ``column`` (0 for an empty table)."""
    return int(session.execute(select(func.max(column))).scalar() or 0)
