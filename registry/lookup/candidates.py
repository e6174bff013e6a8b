"""Candidate generation: which records a query may mean, before any is scored.

Candidates come from an inverted index of tokens (with a symmetric-delete table for
typos), so only names sharing a word with the query are scored. A query reads the
postings of its rarest words only, as many as it takes for a name that lacks all of them
to be unable to reach a suggestion. Exact keys (the whole name, compacted, in pinyin) and
Chinese names one character away are found by hash.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from registry.lookup import namesakes, typos
from registry.lookup.build import HAN_NEAR_MIN, NameStore
from registry.lookup.decide import MATCH_SCORE, SUGGEST_SCORE
from registry.lookup.tables import IntArray, contains, remembered, str_key
from registry.lookup.types import NameField
from registry.names import normalize, numerals
from registry.names.generic import NATION_WORDS

# Query words whose similar index words, and whose groups, are remembered (a few MB at
# most, whatever the registry's size: a group's postings are views of the index's arrays).
MAX_SIMILAR_MEMO = 50_000
MAX_GROUP_MEMO = 50_000
# Similarity lost per edit of a typo (one edit: 0.94), and of a four-letter word read as
# another four-letter word ("Powr" as "Power" is 0.94, "CETE" as "CETC" would be 0.85).
# Higher makes typo matches rank further below exact ones.
TYPO_COST = 0.06
SHORT_WORD_SIM = 0.85
# How many names, ranked by shared-word evidence, get the full (slower) score.
RESCORE = 64
# Postings a query may read to find candidates before it settles for confident answers
# only (queries made of the commonest words: "China Electronics Technology Group").
CANDIDATE_BUDGET = 40_000
# Shortlists read from at most this many postings (half of all queries read fewer than
# ten) are counted in plain Python: NumPy's twenty-odd calls a query, a few microseconds
# each, cost more than the work.
SMALL_READ = 64

_TONE_NUMBER = re.compile(r"(?<=[a-zü])[1-5]")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-zü]")


@dataclass(frozen=True, slots=True)
class Group:
    """One query word: the index words it may be (with a similarity), and their postings
    (shared between lookups until the index changes: not to be changed)."""

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


@dataclass(slots=True)
class _Unit:
    """One index word a query word may be, with its postings."""

    group: Group
    slot: int  # the group's position in the query
    word: int  # the index word
    weight: float
    sim: float
    postings: IntArray


def tells_apart(token: str) -> bool:
    """A Latin word that may distinguish two bodies. (A Chinese bigram the name lacks
    already costs its weight: 天津理工大学 shares little with 天津大学.)"""
    return token.isascii() and token not in NATION_WORDS


# -- exact keys and Chinese names ------------------------------------------------------


def exact_records(index: NameStore, query: str, q_tokens: tuple[str, ...]) -> list[int]:
    """Live records with a whole-name key equal to the query's (as typed, compacted,
    toneless pinyin): main names first, then the text closest to the query as typed. Of
    an organisation's names that match, the answer says it matched its name ("Baidu" is
    "Baidu, Inc." less its legal form, not the alias "Baidu"), else the closest alias, and
    the same one each time (the keys are a set, whose order changes between processes)."""
    dead = index.dead
    typed = query.lower().replace(" ", "")
    # Pinyin typed with tone numbers ("Bei3jing1 Hang2kong1"): the keys are toneless.
    toneless = _TONE_NUMBER.sub("", typed)
    keys = {" ".join(q_tokens), normalize.compact(query), typed, toneless}
    if not normalize.has_han(query):
        # ... or with the brackets and digits of the Chinese name ("Zhongxin Guoji ...
        # (Tianjin) Youxian Gongsi", "Zhongguo Dianke 28 Suo"): letters and digits only,
        # in order (``compact`` drops syllables that are legal forms elsewhere: "Zao").
        keys |= {_NOT_LETTER_OR_DIGIT.sub("", key) for key in (typed, toneless)}
    found: set[int] = set()
    for hits in index.exact.get_many([str_key(key) for key in keys]):
        found.update(hits.tolist())
    found -= dead
    lowered = query.lower()

    def order(idx: int) -> tuple[bool, float, int]:
        other = index._hows[index._how[idx]] != NameField.NAME
        return other, -fuzz.ratio(lowered, index._texts[idx].lower()), idx

    return sorted(found, key=order)


def contained_records(index: NameStore, q_tokens: tuple[str, ...], min_words: int) -> list[int]:
    """Live, not weak, records whose whole-name key is a run of at least ``min_words`` of
    the query's words, short of all of them: names the query holds whole, among more
    words ("China Electronics Technology Group Corporation" in "... Corporation 99th
    Research Institute"). Of runs inside one another only the longest found counts: the
    words of "China Electronics" there name CETC, not China Electronics Corporation."""
    n = len(q_tokens)
    runs = [(i, j) for i in range(n) for j in range(i + min_words, n + 1) if j - i < n]
    runs.sort(key=lambda run: run[0] - run[1])  # longest first
    keys = [str_key(" ".join(q_tokens[i:j])) for i, j in runs]
    found: dict[int, None] = {}
    spans: list[tuple[int, int]] = []
    for (i, j), hits in zip(runs, index.exact.get_many(keys), strict=True):
        live = [idx for idx in hits.tolist() if idx not in index.dead and not index._weak[idx]]
        if live and not any(a <= i and j <= b for a, b in spans):
            spans.append((i, j))
            found.update(dict.fromkeys(live))
    return list(found)


def han_near_records(index: NameStore, query: str) -> list[int]:
    """Records of Chinese names one character away from the query's (a wrong, missing
    or extra character)."""
    if not normalize.has_han(query):
        return []
    han = normalize.han_text(query)
    if len(han) < HAN_NEAR_MIN:
        return []
    found: set[int] = set(index.han_near.get(str_key(han)).tolist())  # one missing
    variants = [str_key(variant) for variant in set(typos.deletes(han))]
    for hits in index.han_near.get_many(variants):  # one wrong
        found.update(hits.tolist())
    for hits in index.exact.get_many(variants):  # one extra
        found.update(hits.tolist())
    # Two names whose characters differ by one are not near when their numbers differ
    # ("中国电子科技集团第58研究所" is not the 28th).
    asked = numerals.numbers(query)
    out = []
    for idx in found:
        text = index._texts[idx]
        if idx in index.dead or not normalize.has_han(text):
            continue
        if OSA.distance(han, normalize.han_text(text), score_cutoff=1) <= 1:
            held = numerals.numbers(text)
            if not (asked and held and asked != held):
                out.append(idx)
    return out


# -- words and their postings ----------------------------------------------------------


def similar_tokens(index: NameStore, token: str, context: bool) -> list[tuple[int, float]]:
    """Index words within the typo budget of ``token``, with a similarity (shared
    between lookups: not to be changed)."""
    return remembered(
        index._similar, (token, context), MAX_SIMILAR_MEMO, _find_similar, index, token, context
    )


def _find_similar(index: NameStore, token: str, context: bool) -> list[tuple[int, float]]:
    out: list[tuple[int, float]] = []
    own = index._vocab.get(token)
    if own is not None:
        out.append((own, 1.0))
    budget = typos.typo_budget(token)
    # "Powr" for "Power": a four-letter word may be a five-letter one missing a letter.
    # Another four-letter word only beside other words ("No. 165 Research Institute
    # of NSSC"), and weakly: alone, four letters are mostly an acronym (CETC, CETE).
    min_len = 0
    if not budget and typos.is_short_word(token):
        budget, min_len = 1, (4 if context else 5)
    if budget:
        seen = {token}
        variants = [token, *typos.deletes(token)]
        hits = index.deletes.get_many([str_key(variant) for variant in variants])
        for variant, near in zip(variants, hits, strict=True):
            for cand_id in near.tolist():
                cand = index._words[cand_id]
                if cand in seen or len(cand) < min_len:
                    continue
                seen.add(cand)
                dist = OSA.distance(token, cand, score_cutoff=budget)
                if dist <= budget:
                    sim = SHORT_WORD_SIM if len(cand) == 4 else 1.0 - TYPO_COST * dist
                    out.append((cand_id, sim))
            vid = index._vocab.get(variant)
            if vid is not None and variant not in seen and len(variant) >= min_len:
                seen.add(variant)
                if OSA.distance(token, variant) <= budget:
                    out.append((vid, 1.0 - TYPO_COST))
    return out


def query_groups(
    index: NameStore, q_tokens: tuple[str, ...], slipped: frozenset[str] = frozenset()
) -> tuple[list[Group], float, bool]:
    """The query's words that can match, the weight of those that cannot, and
    whether one of those is a word that tells names apart. A word in ``slipped`` was
    typed with a slip: it matches as a typo would."""
    groups: list[Group] = []
    missing = 0.0
    unknown = False
    context = len(set(q_tokens)) > 1
    # A word typed twice is one word ("Luo Luo Technology": a name holds "luo" once in its
    # set of words, and the second would weigh as a word it lacks).
    for t in dict.fromkeys(q_tokens):
        group = remembered(index._groups, (t, context), MAX_GROUP_MEMO, _group, index, t, context)
        if group is not None and t in slipped:
            group = _as_slip(group)
        if group is not None:
            groups.append(group)
        elif typos.is_legal_form_typo(t):  # "Corporaton", read as no word: skipped
            continue
        elif (parts := _joined(index, t, context)) is not None:
            groups += parts
        else:
            missing += index.word_weight(t)
            unknown |= tells_apart(t)
    return groups, missing, unknown


def _joined(index: NameStore, token: str, context: bool) -> list[Group] | None:
    """The two words of names that ``token``, no word of any name nor a typo of one,
    was typed for ("TiTech" for "Ti-Tech"), each matching as a typo would."""
    split = typos.split_joined(token, index._vocab) if token.isalpha() else None
    if split is None:
        return None
    parts = [_group(index, part, context) for part in split]
    return [_as_slip(g) for g in parts if g is not None] or None


def _group(index: NameStore, token: str, context: bool) -> Group | None:
    sims = similar_tokens(index, token, context)
    if not sims:
        return None
    return Group(
        token,
        sims,
        index.postings.get_many([tid for tid, _ in sims]),
        index.word_weight(token),
        max(index.idf(tid) for tid, _ in sims),
        # (Four letters have no typo budget: "Powr" is a slip for "Power".)
        bool(typos.typo_budget(token)) and token in index._vocab,
        namesakes.is_ordinary(token),
    )


def _as_slip(group: Group) -> Group:
    """``group`` typed with one slip: every word it may be is a typo away."""
    sims = [(tid, sim - TYPO_COST) for tid, sim in group.sims]
    return dataclasses.replace(group, sims=sims, real_word=False)


def _units(index: NameStore, groups: list[Group]) -> list[_Unit]:
    return [
        _Unit(g, i, tid, index.idf(tid), sim, found)
        for i, g in enumerate(groups)
        for (tid, sim), found in zip(g.sims, g.postings, strict=True)
    ]


def _split(
    units: list[_Unit], groups: list[Group], missing: float, floor: float
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


def shortlist_with_evidence(
    index: NameStore, groups: list[Group], missing: float
) -> tuple[list[int], list[float]]:
    """The records worth a full score (those sharing the most evidence with the query),
    with each record's evidence: the weight of every query word it has, times the
    similarity. A record's share of the query's weight is at most its evidence over
    ``least_query_weight``."""
    units = sorted(_units(index, groups), key=lambda u: len(u.postings), reverse=True)
    if not units:
        return [], []
    kept, left_out = _split(units, groups, missing, SUGGEST_SCORE / 100)
    if sum(len(u.postings) for u in kept) > CANDIDATE_BUDGET:
        # Only common words: look for names that could be confident answers.
        kept, left_out = _split(units, groups, missing, MATCH_SCORE / 100)
    if not kept:
        return [], []  # no name can share enough of the query
    if sum(len(u.postings) for u in kept) <= SMALL_READ:
        return _small_shortlist(index, kept, left_out)
    names, where = np.unique(np.concatenate([u.postings for u in kept]), return_inverse=True)
    gains = np.concatenate([np.full(len(u.postings), u.weight * u.sim) for u in kept])
    evidence = np.asarray(np.bincount(where, gains, minlength=len(names)), np.float64)
    if len(index._dead_sorted):
        live = ~contains(index._dead_sorted, names)
        names, evidence = names[live], evidence[live]
    # Count in every shared word, read or left out.
    for u in left_out:
        evidence += contains(u.postings, names) * (u.weight * u.sim)
    if len(names) > RESCORE:
        floor = np.partition(evidence, -RESCORE)[-RESCORE]
        above = np.flatnonzero(evidence > floor)
        # Names tied with the last place stay in (cutting a tie is a coin toss), up
        # to a bound.
        tied = np.flatnonzero(evidence == floor)[: RESCORE * 3 - len(above)]
        picked = np.concatenate((above, tied))
        names, evidence = names[picked], evidence[picked]
    return list(names.tolist()), list(evidence.tolist())


def _small_shortlist(
    index: NameStore, kept: list[_Unit], left_out: list[_Unit]
) -> tuple[list[int], list[float]]:
    """``shortlist_with_evidence`` for a few postings (at most ``SMALL_READ``: every name is
    shortlisted), with the same sums in the same order: the same evidence to the bit."""
    found: dict[int, float] = {}
    for u in kept:
        gain = u.weight * u.sim
        for idx in u.postings.tolist():
            found[idx] = found.get(idx, 0.0) + gain
    dead = index.dead
    names = sorted(idx for idx in found if idx not in dead)
    evidence = []
    for idx in names:
        total = found[idx]
        if left_out:
            # A left-out word is read from the name's own words, not from its postings.
            words = set(index._record_tokens(idx))
            for u in left_out:
                if u.word in words:
                    total += u.weight * u.sim
        evidence.append(total)
    return names, evidence


def least_query_weight(index: NameStore, groups: list[Group], missing: float) -> float:
    """The least weight the query can have against any name: each word weighs what the
    index word it matches weighs, or its own weight when a name lacks it."""
    return missing + sum(
        min(g.unmatched_weight, min(index.idf(tid) for tid, _ in g.sims)) for g in groups
    )
