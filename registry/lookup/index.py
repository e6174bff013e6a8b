"""An in-memory name index over the registry, and the matcher that answers lookups.

Candidates come from an inverted index of tokens (with a symmetric-delete table for
typos), so only names sharing a word with the query are scored. Scores weigh tokens by
inverse document frequency: "Beijing" vs "Nanjing" decides, "University" barely counts.

Sized for a million names: records are kept column by column (texts, entity ids, token
ids), and the postings, exact keys and typo variants live in sorted NumPy arrays
(``tables.IntMultimap``). A query reads the postings of its rarest words only, as many as
it takes for a name that lacks all of them to be unable to reach a suggestion.
"""

from __future__ import annotations

import dataclasses
import math
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.lookup import namesakes
from registry.lookup.tables import EMPTY, IntArray, IntMultimap, contains, remembered, str_key
from registry.lookup.types import Candidate, LookupResult, MatchStatus
from registry.models import Alias, Change, Entity
from registry.names import normalize
from registry.names.aliases import empty_alias
from registry.names.generic import NATION_WORDS
from registry.names.legal_forms import COMMON_FORMS, TRAILING_NEUTRAL_FORMS

MATCH_SCORE = 85.0
ACRONYM = "acronym"
MARGIN = 8.0
# A typo match with a rival closer than this that has the typed words as written is a
# "did you mean", even when the first is complete and the rival partial (Northwestern
# University: Northeastern University at 88.8, a typo, and Northwestern Polytechnical
# University at 87.9): at that distance the score cannot tell a slip from a longer name.
# Wider asks users to choose more often; 8 would undo MARGIN's exception for complete
# matches whenever the first needed a typo.
CLOSE_CALL = 3.0
SUGGEST_SCORE = 60.0
MAX_QUERY_CHARS = 300
# Answers remembered between two changes of the index (a few MB).
MAX_ANSWERS = 10_000
# Query words whose similar index words are remembered, and records whose word weight
# is (some 10 MB at most, whatever the registry's size).
MAX_SIMILAR_MEMO = 50_000
MAX_RECORD_WEIGHTS = 50_000
# An exact acronym or other weak alias: below an exact name, above any fuzzy find.
WEAK_EXACT_SCORE = 96.0
# What a generic word ("University", "Technology") weighs against a word of the same
# frequency that is not: lower lets the distinctive words decide more alone.
GENERIC_WEIGHT = 0.15
# Similarity lost per edit of a typo (one edit: 0.94), and of a four-letter word read as
# another four-letter word ("Powr" as "Power" is 0.94, "CETE" as "CETC" would be 0.85).
# Higher makes typo matches rank further below exact ones.
TYPO_COST = 0.06
SHORT_WORD_SIM = 0.85
# A score is the share of the query's weight matched, times (1 - s + s * the share of
# the name's weight matched): s = 0.25 ranks the name that holds nothing but the query
# first, without a longer name falling far below.
NAME_COVERAGE_SHARE = 0.25
# Coverage at or above this is the whole name (float sums of weights are not exact).
WHOLE_NAME = 0.999
# Part of a name matched only through generic words scores this share of its score.
GENERIC_ONLY_FACTOR = 0.75
# How many names, ranked by shared-word evidence, get the full (slower) score.
RESCORE = 64
# Postings a query may read to find candidates before it settles for confident answers
# only (queries made of the commonest words: "China Electronics Technology Group").
CANDIDATE_BUDGET = 40_000
# A name that lacks a word of the query is at most a suggestion, unless the word only
# says "China" ("Baidu China").
EXTRA_WORD_CAP = MATCH_SCORE - 1.0
# Scores above the cap are squeezed into the band just below it, in their order: a
# held-back 88 (Northwestern Polytechnical University for "Northwestern University") stays
# ahead of a name that scored 83 on its own. Steeper (0.5) drops held-back names below
# plain partial matches in a "did you mean"; flatter merges their scores once rounded.
CAP_SLOPE = 0.05
# A word is rare when its weight is at least this share of an unseen word's (at 1M names:
# in fewer than ~450 of them; at 2,000, fewer than ~30).
RARE_SHARE = 0.6
# A listed name keeps at least this many words when its trailing legal form goes.
MIN_BARE_WORDS = 2
# "China" first is part of a brand ("China Airlines", Taipei); "... of China" says whose.
CHINA_WORDS = frozenset({"china", "chinese", "prc"})
# A real word read as another holds a match back only when it carries at least this share
# of the query's weight: then it is the word that tells two bodies apart ("Northwestern"
# in "Northwestern University", ~0.94). Where the other words already name the body
# ("Fiance" in "CASIC Fiance Co.", ~0.56; "Fight" in "... Aerospace Fight Dynamics",
# ~0.31) it is a typo that happens to spell a word. Lower holds back more such typos;
# higher lets through more one-word namesakes with a generic word or two beside them.
MISREAD_SHARE = 0.6
# A misspelt word of at least this many letters that is no word of its own ("Hikvsion")
# still counts as the coined word it resembles when part of a name matches. Shorter
# slips are too often another company's name ("Aisin" for "Aisino"); lower lets more
# typo'd short brands answer confidently, and more namesakes too.
COINED_TYPO_MIN = 7
# Chinese names of at least this many characters are found with one character wrong.
HAN_NEAR_MIN = 4
HAN_NEAR_SCORE = 80.0
# Compact when this share of the records is retired.
DEAD_SHARE = 5


@dataclass(frozen=True, slots=True)
class NameRecord:
    entity_id: int
    text: str
    how: str  # "name", "alias", "Chinese name", "pinyin of Chinese name", "acronym"
    weak: bool
    tokens: tuple[str, ...]


@dataclass(slots=True)
class _Group:
    """One query word: the index words it may be (with a similarity), and their postings."""

    token: str
    sims: list[tuple[int, float]]
    postings: list[IntArray]
    unmatched_weight: float  # what the word weighs when a name lacks it
    best_weight: float  # the most it can add when a name has it
    # The word as typed is a word of a name in the index. Read as another word
    # ("Northwestern" as "Northeastern"), it names another body rather than misspelling
    # this one. (Not every dictionary word: "Sooth" and "Fiance" are slips far more often
    # than names.)
    real_word: bool
    ordinary: bool  # an English dictionary word ("Southern"), not a coined name


@dataclass(frozen=True, slots=True)
class _Asked:
    """What the query says of the body asked about, beyond its words."""

    form: str | None  # the jurisdiction group of its legal form ("us" for "Inc.")
    # It names a kind of institution ("University", "Institute"): it is a whole name,
    # and a longer one is another body ("University of Liverpool" is not "Xi'an
    # Jiaotong-Liverpool University").
    institution: bool
    china_first: bool  # it starts with "China" ("China University of ...")
    of_china: bool  # it says "... of China"


@dataclass(slots=True)
class _Unit:
    """One index word a query word may be, with its postings."""

    group: _Group
    slot: int  # the group's position in the query
    weight: float
    sim: float
    postings: IntArray


def _typo_budget(token: str) -> int:
    if len(token) < 5 or token.isdigit():
        return 0
    return 1 if len(token) < 9 else 2


def _is_short_word(token: str) -> bool:
    return len(token) == 4 and token.isalpha()


def _deletes(token: str) -> list[str]:
    return [token[:i] + token[i + 1 :] for i in range(len(token))]


class _Records(Sequence[NameRecord]):
    """The records as objects, built on demand from the index's columns."""

    def __init__(self, index: NameIndex) -> None:
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


class NameIndex:
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
        self._idf: dict[int, float] = {}
        # Record -> the weight of all its words (from ``_idf``: forgotten with it).
        self._rec_weight: dict[int, float] = {}
        # Query word -> index words within its typo budget, remembered across lookups
        # (the same words are typed again and again); forgotten when a word is added.
        self._similar: dict[tuple[str, bool], list[tuple[int, float]]] = {}
        # Queries answered since the index last changed (``lookup``).
        self._answers: dict[tuple[str, int], LookupResult] = {}

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
        rec = self._name_rec.get(entity_id)
        return self._texts[rec] if rec is not None else ""

    def _record_tokens(self, i: int) -> array[int]:
        return self._tok_data[self._tok_start[i] : self._tok_start[i + 1]]

    # -- building -----------------------------------------------------------------

    @classmethod
    def build(cls, session: Session) -> NameIndex:
        index = cls()
        latest = select(Change.id).order_by(Change.id.desc()).limit(1)
        index.last_change_id = session.execute(latest).scalar() or 0
        index._add_entities(session, None)
        index.freeze()
        return index

    def freeze(self) -> None:
        """Sort what was added into the lookup arrays (``build`` does it; lookups too)."""
        self._answers = {}
        for table in (self.exact, self.postings, self.deletes, self.han_near):
            table.freeze()

    @property
    def frozen(self) -> bool:
        return self.postings.frozen

    def refresh(self, session: Session) -> int:
        """Follow the change log: retire changed entities' names, add their new ones."""
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
            # Replaced, not cleared: lookups running on other threads keep the old ones.
            self._idf, self._rec_weight, self._answers = {}, {}, {}
        return len(touched)

    @property
    def needs_compaction(self) -> bool:
        return len(self.dead) > max(1000, len(self._texts) // DEAD_SHARE)

    def _drop(self, entity_ids: set[int]) -> None:
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

    def compacted(self) -> NameIndex:
        """A new index without the retired records (the old one stays usable meanwhile)."""
        alive = np.ones(len(self._texts), bool)
        alive[self._dead_sorted] = False
        remap = np.where(alive, np.cumsum(alive) - 1, -1).astype(np.int32)
        new = NameIndex()
        new.last_change_id = self.last_change_id
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
            self.add_name(entity_id, name, "name")
            if native:
                self.add_name(entity_id, native, "Chinese name")
        for entity_id, name, weak in session.execute(alias_query):
            self.add_name(entity_id, name, ACRONYM if weak else "alias", weak=weak)

    def add_name(self, entity_id: int, text: str, how: str, *, weak: bool = False) -> None:
        self._answers = {}
        toks = normalize.tokens(text)
        if not toks and not text.strip():
            return
        idx = len(self._texts)
        if how == "name":
            self._name_rec[entity_id] = idx
        ids = [self._word_id(t) for t in toks]
        self._texts.append(text)
        self._entity.append(entity_id)
        self._how.append(self._how_code(how))
        self._weak.append(weak)
        self._tok_data.extend(ids)
        self._tok_start.append(len(self._tok_data))
        keys = {" ".join(toks), normalize.compact(text)}
        if how == "name":
            # The listed name without the "Corporation" or "Company" that ends it is that
            # organisation's name too ("China Aerospace Science and Technology"): an exact
            # key, so it answers as a match unless another name has the same words.
            bare = list(toks)
            while len(bare) > MIN_BARE_WORDS and bare[-1] in TRAILING_NEUTRAL_FORMS:
                bare.pop()
            if len(bare) < len(toks):
                keys.add(" ".join(bare))
        if normalize.has_han(text):
            keys.add(normalize.pinyin(text))
            han = normalize.han_text(text)
            if len(han) >= HAN_NEAR_MIN:
                for variant in set(_deletes(han)):
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
        self._similar = {}  # replaced, not cleared: lookups on other threads hold the old
        self._df.append(0)
        self._generic.append(token in normalize.GENERIC)
        if _typo_budget(token) or _is_short_word(token):
            for variant in set(_deletes(token)):
                self.deletes.add(str_key(variant), tid)
        return tid

    def _how_code(self, how: str) -> int:
        code = self._how_codes.get(how)
        if code is None:
            code = self._how_codes[how] = len(self._hows)
            self._hows.append(how)
        return code

    # -- matching -----------------------------------------------------------------

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
        """The weight of a query word, whether or not any name has it."""
        tid = self._vocab.get(token)
        if tid is not None:
            return self.idf(tid)
        return self._weight(0, token in normalize.GENERIC)

    def _weight(self, df: int, generic: bool) -> float:
        """Inverse document frequency; generic words ("university") weigh little."""
        weight = math.log((self._live_count() + 1) / (df + 1)) + 1.0
        return weight * (GENERIC_WEIGHT if generic else 1.0)

    def _similar_tokens(self, token: str, context: bool) -> list[tuple[int, float]]:
        """Index words within the typo budget of ``token``, with a similarity (shared
        between lookups: not to be changed)."""
        return remembered(
            self._similar, (token, context), MAX_SIMILAR_MEMO, self._find_similar, token, context
        )

    def _find_similar(self, token: str, context: bool) -> list[tuple[int, float]]:
        out: list[tuple[int, float]] = []
        own = self._vocab.get(token)
        if own is not None:
            out.append((own, 1.0))
        budget = _typo_budget(token)
        # "Powr" for "Power": a four-letter word may be a five-letter one missing a letter.
        # Another four-letter word only beside other words ("No. 165 Research Institute
        # of NSSC"), and weakly: alone, four letters are mostly an acronym (CETC, CETE).
        min_len = 0
        if not budget and _is_short_word(token):
            budget, min_len = 1, (4 if context else 5)
        if budget:
            seen = {token}
            for variant in [token, *_deletes(token)]:
                for cand_id in self.deletes.get(str_key(variant)).tolist():
                    cand = self._words[cand_id]
                    if cand in seen or len(cand) < min_len:
                        continue
                    seen.add(cand)
                    dist = OSA.distance(token, cand, score_cutoff=budget)
                    if dist <= budget:
                        sim = SHORT_WORD_SIM if len(cand) == 4 else 1.0 - TYPO_COST * dist
                        out.append((cand_id, sim))
                vid = self._vocab.get(variant)
                if vid is not None and variant not in seen and len(variant) >= min_len:
                    seen.add(variant)
                    if OSA.distance(token, variant) <= budget:
                        out.append((vid, 1.0 - TYPO_COST))
        return out

    def lookup(self, query: str, limit: int = 5) -> LookupResult:
        """The names that ``query`` may mean, best first. Answers are remembered until
        the index changes (a chat asks about the same organisations again and again); the
        result is shared: not to be changed."""
        if not self.frozen:
            self.freeze()  # an index filled by hand (tests, benchmarks)
        return remembered(self._answers, (query, limit), MAX_ANSWERS, self._lookup, query, limit)

    def _lookup(self, query: str, limit: int) -> LookupResult:
        query = normalize.clean(query)[:MAX_QUERY_CHARS]
        q_tokens = normalize.tokens(query)
        if not q_tokens and not query:
            return LookupResult(query, MatchStatus.NONE, [])
        scored: dict[int, Candidate] = {}
        dead = self.dead

        def offer(cand: Candidate) -> None:
            best = scored.get(cand.entity_id)
            if best is None or cand.score > best.score:
                scored[cand.entity_id] = cand

        form = namesakes.legal_family(query)
        typed = query.lower().replace(" ", "")
        # Pinyin typed with tone numbers ("Bei3jing1 Hang2kong1"): the keys are toneless.
        toneless = _TONE_NUMBER.sub("", typed)
        for key in {" ".join(q_tokens), normalize.compact(query), typed, toneless}:
            for idx in self.exact.get(str_key(key)).tolist():
                if idx in dead:
                    continue
                how = self._hows[self._how[idx]]
                if how == "Chinese name" and not normalize.has_han(query):
                    how = "pinyin of Chinese name"
                weak = bool(self._weak[idx])
                entity_id = self._entity[idx]
                text = self._texts[idx]
                score, how = (WEAK_EXACT_SCORE if weak else 100.0), f"exact {how}"
                if namesakes.other_legal_form(form, text, self.entity_name(entity_id)):
                    # "CoStar Group, Inc." is not "Costar Group Co., Ltd.".
                    score, how = _capped(score), f"words of the {how[6:]}; {OTHER_FORM}"
                offer(
                    Candidate(
                        entity_id,
                        self.entity_name(entity_id) or text,
                        score,
                        text,
                        how,
                        True,
                    )
                )

        asked = _Asked(
            form,
            any(t in namesakes.INSTITUTIONS for t in q_tokens),
            bool(q_tokens) and q_tokens[0] in CHINA_WORDS,
            _OF_CHINA.search(query) is not None,
        )
        for cand in self._fuzzy(q_tokens, asked):
            offer(cand)
        for cand in self._han_near(query):
            offer(cand)
        if any(c.how == f"exact {ACRONYM}" for c in scored.values()):
            # "CEC" is "CEC LIMITED" only once its legal form goes (exactly or as all its
            # words): no stronger than another body's exact acronym ("CEC", China
            # Electronics Corporation). The two make a "did you mean" (_decide), the text
            # as typed first.
            for entity_id, cand in list(scored.items()):
                if cand.score > WEAK_EXACT_SCORE and _form_left_off(query, cand.matched_on):
                    scored[entity_id] = dataclasses.replace(cand, score=WEAK_EXACT_SCORE)
        # Equal scores are ordered by how closely the whole text, legal form included,
        # resembles what was typed ("Quinnro Optics Inc.": Quinnor Optics Inc. first).
        typed_lower = query.lower()
        ranked = sorted(
            scored.values(),
            key=lambda c: (-c.score, -fuzz.ratio(typed_lower, c.matched_on.lower()), c.name),
        )[:limit]
        status = _decide(ranked)
        if status is MatchStatus.MATCH and empty_alias(query) is not None:
            # "China", "Hong Kong", "Co., Ltd.": no organisation's name, whatever it is
            # found in; at most a "did you mean".
            status = MatchStatus.AMBIGUOUS
        return LookupResult(query, status, ranked)

    def _han_near(self, query: str) -> list[Candidate]:
        """Chinese names one character away from the query's: a suggestion, never a match
        (北京师范大学 and 南京师范大学 are one character apart, and both exist)."""
        if not normalize.has_han(query):
            return []
        han = normalize.han_text(query)
        if len(han) < HAN_NEAR_MIN:
            return []
        found: set[int] = set(self.han_near.get(str_key(han)).tolist())  # one missing
        for variant in set(_deletes(han)):
            found.update(self.han_near.get(str_key(variant)).tolist())  # one wrong
            found.update(self.exact.get(str_key(variant)).tolist())  # one extra
        out = []
        for idx in found:
            text = self._texts[idx]
            if idx in self.dead or not normalize.has_han(text):
                continue
            if OSA.distance(han, normalize.han_text(text), score_cutoff=1) <= 1:
                entity_id = self._entity[idx]
                name = self.entity_name(entity_id) or text
                out.append(
                    Candidate(
                        entity_id,
                        name,
                        HAN_NEAR_SCORE,
                        text,
                        "near (one character) Chinese name",
                        True,
                    )
                )
        return out

    def _groups(self, q_tokens: tuple[str, ...]) -> tuple[list[_Group], float, bool]:
        """The query's words that can match, the weight of those that cannot, and
        whether one of those is a word that tells names apart."""
        groups: list[_Group] = []
        missing = 0.0
        unknown = False
        cache: dict[str, _Group | None] = {}
        context = len(set(q_tokens)) > 1
        for t in q_tokens:
            if t not in cache:
                sims = self._similar_tokens(t, context)
                if not sims:
                    cache[t] = None
                else:
                    ordinary = namesakes.is_ordinary(t)
                    cache[t] = _Group(
                        t,
                        sims,
                        [self.postings.get(tid) for tid, _ in sims],
                        self.word_weight(t),
                        max(self.idf(tid) for tid, _ in sims),
                        # (Four letters have no typo budget: "Powr" is a slip for "Power".)
                        bool(_typo_budget(t)) and t in self._vocab,
                        ordinary,
                    )
            group = cache[t]
            if group is not None:
                groups.append(group)
            elif not _is_legal_form_typo(t):  # "Limietd" carries no identity: skipped
                missing += self.word_weight(t)
                unknown |= _tells_apart(t)
        return groups, missing, unknown

    def _units(self, groups: list[_Group]) -> list[_Unit]:
        return [
            _Unit(g, i, self.idf(tid), sim, found)
            for i, g in enumerate(groups)
            for (tid, sim), found in zip(g.sims, g.postings, strict=True)
        ]

    @staticmethod
    def _split(
        units: list[_Unit], groups: list[_Group], missing: float, floor: float
    ) -> tuple[list[_Unit], list[_Unit]]:
        """Split ``units`` (largest postings first) into those a search must read, and
        those it may leave out.

        A name holding none of the units read covers at most A / (A + B) of the query:
        A is the most the left-out units can add (the best one per query word), B what
        the words with no unit left out weigh when absent. Units are left out, commonest
        first, whenever that bound stays below ``floor``: such names cannot reach it.
        """
        best: list[float] = [0.0] * len(groups)
        absent = missing + sum(g.unmatched_weight for g in groups)
        add = 0.0
        kept, left_out = [], []
        for u in units:
            was = best[u.slot]
            a = add - was + max(was, u.weight)
            b = absent - (u.group.unmatched_weight if not was else 0.0)
            if a / (a + b) >= floor:
                kept.append(u)
            else:
                left_out.append(u)
                add, absent, best[u.slot] = a, b, max(was, u.weight)
        return kept, left_out

    def _fuzzy(self, q_tokens: tuple[str, ...], asked: _Asked) -> list[Candidate]:
        groups, missing, unknown = self._groups(q_tokens)
        rare = RARE_SHARE * self._weight(0, False)  # a rare word weighs this much or more
        units = sorted(self._units(groups), key=lambda u: len(u.postings), reverse=True)
        if not units:
            return []
        kept, left_out = self._split(units, groups, missing, SUGGEST_SCORE / 100)
        if sum(len(u.postings) for u in kept) > CANDIDATE_BUDGET:
            # Only common words: look for names that could be confident answers.
            kept, left_out = self._split(units, groups, missing, MATCH_SCORE / 100)
        if not kept:
            return []  # no name can share enough of the query
        names, where = np.unique(np.concatenate([u.postings for u in kept]), return_inverse=True)
        gains = np.concatenate([np.full(len(u.postings), u.weight * u.sim) for u in kept])
        evidence = np.asarray(np.bincount(where, gains, minlength=len(names)), np.float64)
        if len(self._dead_sorted):
            live = ~contains(self._dead_sorted, names)
            names, evidence = names[live], evidence[live]
        if len(names) > RESCORE:
            # Rank by every shared word: add what the left-out units give these names.
            for u in left_out:
                evidence += contains(u.postings, names) * (u.weight * u.sim)
            floor = np.partition(evidence, -RESCORE)[-RESCORE]
            above = np.flatnonzero(evidence > floor)
            # Names tied with the last place stay in (cutting a tie is a coin toss), up
            # to a bound.
            tied = np.flatnonzero(evidence == floor)[: RESCORE * 3 - len(above)]
            shortlist = names[np.concatenate((above, tied))].tolist()
        else:
            shortlist = names.tolist()
        out = []
        for idx in shortlist:
            score, how, typos = self._score(groups, missing, unknown, rare, idx, asked)
            if score >= SUGGEST_SCORE:
                entity_id = self._entity[idx]
                text = self._texts[idx]
                out.append(
                    Candidate(
                        entity_id,
                        self.entity_name(entity_id) or text,
                        round(score, 1),
                        text,
                        f"{how[0]} {self._hows[self._how[idx]]}{how[1]}",
                        how[0] != "partial",
                        typos,
                    )
                )
        return out

    def _weight_of(self, tokens: set[int]) -> float:
        return sum(self._idf.get(t) or self.idf(t) for t in tokens) or 1.0

    def _score(
        self,
        groups: list[_Group],
        missing: float,
        unknown: bool,
        rare: float,
        idx: int,
        asked: _Asked,
    ) -> tuple[float, tuple[str, str], int]:
        """The score of record ``idx`` for the query; how it matched: the kind of match
        ("near (typo)", "partial"...) and, when the score was held below a confident
        match, why ("; ..." or ""); and how many query words it read with a typo."""
        r_set = set(self._record_tokens(idx))
        used: set[int] = set()
        q_weight, q_hit = missing, 0.0
        typos = 0
        distinctive_hit = False
        extra = unknown  # a typed word the name lacks
        found: set[str] = set()
        coined_hit = False  # a rare word that is no dictionary word ("Hikvision")
        common_hit = ""  # a rare word that is a dictionary word ("Southern")
        misread = ""  # a real word typed, read as another: "northwestern" as "northeastern"
        misread_weight = 0.0
        for g in groups:
            best_tok, best_sim = -1, 0.0
            for cand, sim in g.sims:
                if cand in r_set and cand not in used and sim > best_sim:
                    best_tok, best_sim = cand, sim
            if best_tok < 0:
                q_weight += g.unmatched_weight
                # (A word typed twice is not missing when the name has it once.)
                extra |= g.token not in found and _tells_apart(g.token)
                continue
            found.add(g.token)
            w = self.idf(best_tok)
            q_weight += w
            used.add(best_tok)
            q_hit += w * best_sim
            typos += best_sim < 1.0
            distinctive_hit |= not self._generic[best_tok]
            if best_sim == 1.0 and w >= rare:
                coined_hit |= not g.ordinary
                common_hit = common_hit or (g.token if g.ordinary else "")
            elif w >= rare and not g.real_word and len(g.token) >= COINED_TYPO_MIN:
                # "Hikvsion": a slip in a long coined word ("Southerm" is no coined word).
                coined_hit |= not namesakes.is_ordinary(self._words[best_tok])
            if best_sim < 1.0 and g.real_word and not misread:
                word = self._words[best_tok]
                if not namesakes.inflections(g.token, word):
                    misread = f"{g.token!r} is a word of its own, not a slip for {word!r}"
                    misread_weight = w
        if not q_weight:
            return 0.0, ("", ""), 0
        cached = self._idf
        r_weight = remembered(self._rec_weight, idx, MAX_RECORD_WEIGHTS, self._weight_of, r_set)
        r_hit = sum(cached.get(t) or self.idf(t) for t in used)
        q_cov, r_cov = q_hit / q_weight, r_hit / r_weight
        score = 100.0 * q_cov * (1.0 - NAME_COVERAGE_SHARE + NAME_COVERAGE_SHARE * r_cov)
        partial = r_cov < WHOLE_NAME
        if not distinctive_hit and partial:
            # Only generic words matched part of a name ("China Electronics Technology"):
            # worth a suggestion, never a confident answer.
            score *= GENERIC_ONLY_FACTOR
        why: str | None = None
        if misread and misread_weight < MISREAD_SHARE * q_weight:
            misread = ""  # the other words say which body: "CASIC Fiance" is CASIC Finance
        if score > EXTRA_WORD_CAP:
            why = self._namesake(
                extra, partial, coined_hit, common_hit, misread, r_set - used, idx, asked
            )
            if why is not None:
                score = _capped(score)
        if partial or extra:
            how = "partial"
        elif typos:
            how = "near (typo)"
        else:
            how = "reordered"
        return score, (how, f"; {why}" if why else ""), typos

    def _namesake(
        self,
        extra: bool,
        partial: bool,
        coined_hit: bool,
        common_hit: str,
        misread: str,
        unmatched: set[int],
        idx: int,
        asked: _Asked,
    ) -> str | None:
        """Why a high-scoring name may be another body than the one asked about (held
        to a suggestion), or None. "" when the reason is plain from the kind of match."""
        if extra:
            # "Tianjin University of Technology" is not "Tianjin University": a typed word
            # the name lacks, however common, may be what tells two bodies apart.
            return ""
        if misread:
            return misread
        if partial:
            # Part of a name is a confident answer only through a rare, coined word:
            # "Hikvision" is one company, "Southern University" many. A name that adds
            # only its legal form ("Cirrus Design Corporation") is not more than the query.
            adds = {self._words[t] for t in unmatched}
            only_form = all(namesakes.is_legal_form(word) for word in adds)
            if not coined_hit and not (common_hit and only_form):
                return (
                    f"{common_hit!r} is a common word, and the name has more" if common_hit else ""
                )
            places = namesakes.foreign_places(adds)
            if places:
                # "Kiekert USA Inc." is the US subsidiary, not "Kiekert" or "Kiekert AG".
                return f"the name adds {', '.join(sorted(places))}"
            if asked.institution:
                more = self._more_than_asked(adds, idx)
                if more:
                    return f"the name adds {', '.join(sorted(more))}"
        elif asked.china_first != asked.of_china:
            # Same words, other order: "China University of Science and Technology"
            # (Taipei) is not the "University of Science and Technology of China".
            text = self._texts[idx]
            first = self._words[self._record_tokens(idx)[0]] in CHINA_WORDS
            of_china = _OF_CHINA.search(text) is not None
            if (asked.china_first and of_china and not first) or (
                asked.of_china and first and not of_china
            ):
                return "'China' stands elsewhere in the name"
        text, owner = self._texts[idx], self.entity_name(self._entity[idx])
        if namesakes.other_legal_form(asked.form, text, owner):
            return OTHER_FORM
        return None

    def _more_than_asked(self, adds: set[str], idx: int) -> set[str]:
        """The distinctive words a name adds to a query that named a whole institution,
        less its legal form and what it says in parentheses ("China University of
        Geosciences (Wuhan)"). Generic words added ("54th Research Institute of China
        Electronics Technology Group") leave it the same body."""
        more = {w for w in adds if w not in normalize.GENERIC and not namesakes.is_legal_form(w)}
        if more and "(" in self._texts[idx]:
            more -= set(normalize.tokens(" ".join(_PARENTHESES.findall(self._texts[idx]))))
        return more


_RAW_WORD = re.compile(r"[^\W_]+")
_TONE_NUMBER = re.compile(r"(?<=[a-zü])[1-5]")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_OF_CHINA = re.compile(r"\bof\s+(?:the\s+)?(?:people['’]?s\s+republic\s+of\s+)?china\b", re.I)


OTHER_FORM = "another legal form"


def _capped(score: float) -> float:
    """Below a confident match, keeping the order of the scores above the cap."""
    if score <= EXTRA_WORD_CAP:
        return score
    return EXTRA_WORD_CAP - (100.0 - score) * CAP_SLOPE


def _tells_apart(token: str) -> bool:
    """A Latin word that may distinguish two bodies. (A Chinese bigram the name lacks
    already costs its weight: 天津理工大学 shares little with 天津大学.)"""
    return token.isascii() and token not in NATION_WORDS


def _ends_in_form(text: str) -> bool:
    if namesakes.legal_family(text) is not None:
        return True
    words = _RAW_WORD.findall(text.lower())
    return len(words) > 1 and words[-1] in TRAILING_NEUTRAL_FORMS


def _form_left_off(query: str, text: str) -> bool:
    """The listed text ends with a legal form the query does not have: the query is that
    name only without its form ("CEC" for "CEC LIMITED")."""
    return _ends_in_form(text) and not _ends_in_form(query)


def _is_legal_form_typo(token: str) -> bool:
    budget = _typo_budget(token)
    return bool(budget) and any(OSA.distance(token, f) <= budget for f in COMMON_FORMS)


def _decide(ranked: list[Candidate]) -> MatchStatus:
    if not ranked or ranked[0].score < SUGGEST_SCORE:
        return MatchStatus.NONE
    top, rivals = ranked[0], ranked[1:]
    if top.score < MATCH_SCORE:
        return MatchStatus.AMBIGUOUS
    close = [c for c in rivals if top.score - c.score < MARGIN]
    if not close:
        return MatchStatus.MATCH
    # Two exact answers (a name and another body's acronym, or a name without its legal
    # form and an acronym: "CEC") are never told apart by score: "did you mean" both.
    exact = top.how.startswith("exact")
    if top.typos and any(top.score - c.score < CLOSE_CALL and not c.typos for c in close):
        # A typo match, and close behind it a name with the words as typed and more.
        return MatchStatus.AMBIGUOUS
    # A complete match (every word accounted for) beats names it only partly resembles;
    # an exact one beats mere near matches. Two of the same strength stay ambiguous.
    if top.complete and not any(c.complete for c in close):
        return MatchStatus.MATCH
    if exact and not any(c.how.startswith("exact") for c in close):
        return MatchStatus.MATCH
    return MatchStatus.AMBIGUOUS
