"""Scoring: how well a record answers the query, and how it matched.

Scores weigh tokens by inverse document frequency: "Beijing" vs "Nanjing" decides,
"University" barely counts. A high score is held below a confident match when the name
may be another body than the one asked about (a namesake: ``namesake``).
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from dataclasses import dataclass

from registry.lookup import namesakes
from registry.lookup.build import NameStore
from registry.lookup.candidates import (
    Group,
    contained_records,
    least_query_weight,
    query_groups,
    shortlist_with_evidence,
    tells_apart,
)
from registry.lookup.decide import MATCH_SCORE, SUGGEST_SCORE
from registry.lookup.tables import remembered
from registry.lookup.types import Candidate, Explanation, MatchKind, NameField
from registry.names import normalize
from registry.names.legal_forms import TRAILING_NEUTRAL_FORMS
from registry.resolution.keys import name_key

# Records whose word weight is remembered (some 10 MB at most, whatever the registry's
# size).
MAX_RECORD_WEIGHTS = 50_000
# An exact acronym or other weak alias: below an exact name, above any fuzzy find.
WEAK_EXACT_SCORE = 96.0
# A score is the share of the query's weight matched, times (1 - s + s * the share of
# the name's weight matched): s = 0.25 ranks the name that holds nothing but the query
# first, without a longer name falling far below.
NAME_COVERAGE_SHARE = 0.25
# Coverage at or above this is the whole name (float sums of weights are not exact).
WHOLE_NAME = 0.999
# Part of a name matched only through generic words scores this share of its score.
GENERIC_ONLY_FACTOR = 0.75
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
# A Chinese name one character away from the query: a suggestion, never a match.
HAN_NEAR_SCORE = 80.0
# A name without the query's number ("... 58th Research Institute", or CETC itself, for
# "... 28th ..."), or with a number the query lacks (CETC's 28th for "CETC"), is another
# body: at most a suggestion below this, squeezed as ``capped`` squeezes, so that a name
# with the number that matches three quarters of the rest ranks first. (For
# "中国电子科技集团第28研究所", the 28th's "中国电子科技集团公司第二十八研究所" scores 77,
# ahead of the 58th's "中国电子科技集团第58研究所", 96 before.)
NUMBER_MISSING_CAP = 75.0

# A name the query holds whole, with more words ("China Electronics Technology Group
# Corporation" in "... Corporation 99th Research Institute"), when nothing else is worth
# suggesting: a "did you mean" at this score (the query may name a unit we do not hold
# of an organisation we do). Names of fewer words are too often a generic pair.
CONTAINED_SCORE = 65.0
MIN_CONTAINED_WORDS = 2
CONTAINED = "the query names more than this organisation"

OTHER_FORM = "another legal form"
_EXACT_ACRONYM = Explanation(MatchKind.EXACT, NameField.ACRONYM)

# A record is left unscored only when its bound, times this (float sums of the same
# weights taken in another order differ in their last bits), is below the bar less one
# rounding step (scores are shown, and ranked, to one decimal).
BOUND_SLACK = 1.0 + 1e-9
ROUNDING = 0.1

_RAW_WORD = re.compile(r"[^\W_]+")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_OF_CHINA = re.compile(r"\bof\s+(?:the\s+)?(?:people['’]?s\s+republic\s+of\s+)?china\b", re.I)


@dataclass(frozen=True, slots=True)
class Slips:
    """Words of the query typed with a slip and respelt (``typos.respell``): the words
    read from them, and how many were respelt (a respelt legal form leaves no word)."""

    words: frozenset[str] = frozenset()
    count: int = 0


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
    numbers: frozenset[str] = frozenset()  # the numbers it names ("28" of "28th")


def what_is_asked(query: str, q_tokens: tuple[str, ...], form: str | None) -> _Asked:
    return _Asked(
        form,
        any(t in namesakes.INSTITUTIONS for t in q_tokens),
        bool(q_tokens) and q_tokens[0] in CHINA_WORDS,
        _says_of_china(query),
        frozenset(t for t in q_tokens if t.isdigit()),
    )


def _says_of_china(text: str) -> bool:
    """The name ends in "of China" (less its legal form and parentheses): China
    qualifies the whole ("Bank of China Limited"), unlike in "28th Research Institute of
    China Electronics Technology Group", where it begins the name of the owner."""
    for found in _OF_CHINA.finditer(text):
        rest = _PARENTHESES.sub(" ", text[found.end() :])
        if all(namesakes.is_legal_form(word) for word in _RAW_WORD.findall(rest.lower())):
            return True
    return False


def exact_candidate(index: NameStore, idx: int, query: str, form: str | None) -> Candidate:
    """Record ``idx``, whose whole-name key is the query's."""
    field = NameField(index._hows[index._how[idx]])
    weak = bool(index._weak[idx])
    entity_id = index._entity[idx]
    text = index._texts[idx]
    if normalize.has_han(text) and not normalize.has_han(query):
        # A Latin query equal to a Chinese name (or alias) is its pinyin.
        field = NameField.PINYIN
    score, how = (WEAK_EXACT_SCORE if weak else 100.0), Explanation(MatchKind.EXACT, field)
    if namesakes.other_legal_form(form, text, index.entity_name(entity_id)):
        # "CoStar Group, Inc." is not "Costar Group Co., Ltd.".
        score, how = capped(score), Explanation(MatchKind.SAME_WORDS, field, OTHER_FORM)
    return Candidate(
        entity_id,
        index.entity_name(entity_id) or text,
        score,
        text,
        how,
        True,
    )


def han_near_candidate(index: NameStore, idx: int) -> Candidate:
    """A Chinese name one character away from the query's: a suggestion, never a match
    (北京师范大学 and 南京师范大学 are one character apart, and both exist)."""
    entity_id = index._entity[idx]
    text = index._texts[idx]
    name = index.entity_name(entity_id) or text
    return Candidate(
        entity_id,
        name,
        HAN_NEAR_SCORE,
        text,
        Explanation(MatchKind.ONE_CHARACTER, NameField.CHINESE),
        True,
    )


def fuzzy_candidates(
    index: NameStore,
    q_tokens: tuple[str, ...],
    asked: _Asked,
    limit: int | None = None,
    slips: Slips = Slips(),
) -> list[Candidate]:
    """The names sharing words (or near spellings of them) with the query, scored. Names
    that cannot score a suggestion are left out, and with ``limit``, those that cannot
    be among the ``limit`` best organisations (see ``_worth_scoring``)."""
    groups, missing, unknown = query_groups(index, q_tokens, slips.words)
    rare = RARE_SHARE * index._weight(0, False)  # a rare word weighs this much or more
    picked, evidence = shortlist_with_evidence(index, groups, missing)
    floor = least_query_weight(index, groups, missing)
    worth = _worth_scoring(
        index, picked, evidence, floor, limit, groups, missing, unknown, rare, asked
    )
    # Respelt words that left no word to score (a legal form: "Limted") are slips still.
    unscored_slips = slips.count - len(slips.words)
    out = []
    for idx in picked:  # (in the shortlist's order: the first of equal names is kept)
        found = worth.get(idx)
        if found is None:
            continue
        score, kind, held_back, typos = found
        if unscored_slips > 0:
            typos += unscored_slips
            kind = MatchKind.TYPO if kind is MatchKind.REORDERED else kind
        if score >= SUGGEST_SCORE:
            entity_id = index._entity[idx]
            text = index._texts[idx]
            out.append(
                Candidate(
                    entity_id,
                    index.entity_name(entity_id) or text,
                    round(score, 1),
                    text,
                    Explanation(kind, NameField(index._hows[index._how[idx]]), held_back),
                    kind is not MatchKind.PARTIAL,
                    typos,
                )
            )
    return out


def contained_names(index: NameStore, q_tokens: tuple[str, ...]) -> list[Candidate]:
    """Names the query holds whole, among more words: suggestions for a query that
    nothing else resembles enough (``CONTAINED_SCORE``)."""
    out = []
    for idx in contained_records(index, q_tokens, MIN_CONTAINED_WORDS):
        entity_id = index._entity[idx]
        text = index._texts[idx]
        how = Explanation(MatchKind.PARTIAL, NameField(index._hows[index._how[idx]]), CONTAINED)
        name = index.entity_name(entity_id) or text
        out.append(Candidate(entity_id, name, CONTAINED_SCORE, text, how))
    return out


def _worth_scoring(
    index: NameStore,
    picked: list[int],
    evidence: list[float],
    floor: float,
    limit: int | None,
    groups: list[Group],
    missing: float,
    unknown: bool,
    rare: float,
    asked: _Asked,
) -> dict[int, tuple[float, MatchKind, str | None, int]]:
    """The shortlisted records scored, most evidence first, until no record left can
    reach a suggestion or, with ``limit``, the ``limit``-th best organisation's score so
    far: a record's score is at most 100 x its share of the query's weight, at most
    100 x evidence / ``floor``. A record left out would not be suggested, or would rank
    below ``limit`` organisations, so the answer is the same as if every record had been
    scored (most records that share a word with a query share too little of it)."""
    scored: dict[int, tuple[float, MatchKind, str | None, int]] = {}
    best: dict[int, float] = {}  # organisation -> its best rounded score so far
    bar = SUGGEST_SCORE
    for at in sorted(range(len(picked)), key=lambda i: -evidence[i]):
        if limit is not None and len(best) >= limit:
            bar = heapq.nlargest(limit, best.values())[-1]
        if 100.0 * min(1.0, evidence[at] / floor) * BOUND_SLACK < bar - ROUNDING:
            break  # and every record after it: their evidence is no greater
        idx = picked[at]
        result = score_record(index, groups, missing, unknown, rare, idx, asked)
        scored[idx] = result
        if result[0] >= SUGGEST_SCORE:
            entity_id = index._entity[idx]
            best[entity_id] = max(best.get(entity_id, 0.0), round(result[0], 1))
    return scored


def prefer_stated_form(scored: dict[int, Candidate], query: str) -> None:
    """Of names that equal the query's words, the ones with the legal form it states.
    "China Shipbuilding Industry Company Limited" has the words of "China Shipbuilding
    Industry Corporation" too (a listed name is also keyed without its "Corporation"),
    but states a company limited: the corporation is another body, at most a "did you
    mean", when a name of the stated form is there to answer."""
    exact = [c for c in scored.values() if c.how.kind is MatchKind.EXACT and c.score == 100.0]
    stated = _form_family(query)
    if len(exact) < 2 or stated is None:
        return
    other = [c for c in exact if _form_family(c.matched_on) not in (stated, None)]
    if len(other) < len(exact):
        for cand in other:
            how = Explanation(MatchKind.SAME_WORDS, cand.how.field, OTHER_FORM)
            scored[cand.entity_id] = dataclasses.replace(cand, score=capped(100.0), how=how)


def _form_family(text: str) -> str | None:
    key = name_key(text)
    return key.form if key is not None else None


def may_demote(scored: dict[int, Candidate]) -> bool:
    """Whether ``demote_beside_acronym`` may lower scores already given (an exact acronym
    was found): then every shortlisted name is scored, since one held back could rank
    among the best once others are lowered."""
    return any(c.how == _EXACT_ACRONYM for c in scored.values())


def demote_beside_acronym(scored: dict[int, Candidate], query: str) -> None:
    """Hold names found without their legal form to an exact acronym's score."""
    if may_demote(scored):
        # "CEC" is "CEC LIMITED" only once its legal form goes (exactly or as all its
        # words): no stronger than another body's exact acronym ("CEC", China
        # Electronics Corporation). The two make a "did you mean" (decide), the text
        # as typed first.
        for entity_id, cand in list(scored.items()):
            if cand.score > WEAK_EXACT_SCORE and _form_left_off(query, cand.matched_on):
                scored[entity_id] = dataclasses.replace(cand, score=WEAK_EXACT_SCORE)


def score_record(
    index: NameStore,
    groups: list[Group],
    missing: float,
    unknown: bool,
    rare: float,
    idx: int,
    asked: _Asked,
) -> tuple[float, MatchKind, str | None, int]:
    """The score of record ``idx`` for the query; the kind of match (typo, partial...);
    when the score was held below a confident match, why (``Explanation.held_back``:
    "" when plain from the kind, None when not held back); and how many query words it
    read with a typo."""
    r_set = set(index._record_tokens(idx))
    used: set[int] = set()
    q_weight, q_hit = missing, 0.0
    typos = 0
    distinctive_hit = False
    extra = unknown  # a typed word the name lacks
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
            extra |= tells_apart(g.token)
            continue
        w = index.idf(best_tok)
        q_weight += w
        used.add(best_tok)
        q_hit += w * best_sim
        typos += best_sim < 1.0
        distinctive_hit |= not index._generic[best_tok]
        if best_sim == 1.0 and w >= rare:
            coined_hit |= not g.ordinary
            common_hit = common_hit or (g.token if g.ordinary else "")
        elif w >= rare and not g.real_word and len(g.token) >= COINED_TYPO_MIN:
            # "Hikvsion": a slip in a long coined word ("Southerm" is no coined word).
            coined_hit |= not namesakes.is_ordinary(index._words[best_tok])
        if best_sim < 1.0 and g.real_word and not misread:
            word = index._words[best_tok]
            if not namesakes.inflections(g.token, word):
                misread = f"{g.token!r} is a word of its own, not a slip for {word!r}"
                misread_weight = w
    if not q_weight:
        return 0.0, MatchKind.PARTIAL, None, 0
    cached = index._idf
    r_weight = remembered(index._rec_weight, idx, MAX_RECORD_WEIGHTS, index._weight_of, r_set)
    r_hit = sum(cached.get(t) or index.idf(t) for t in used)
    q_cov, r_cov = q_hit / q_weight, r_hit / r_weight
    score = 100.0 * q_cov * (1.0 - NAME_COVERAGE_SHARE + NAME_COVERAGE_SHARE * r_cov)
    partial = r_cov < WHOLE_NAME
    if score > NUMBER_MISSING_CAP and _numbers_differ(index, r_set, asked):
        # (Still a suggestion: "CETC 99th Research Institute", which no name has, suggests
        # CETC's institutes.)
        score = capped(score, NUMBER_MISSING_CAP)
    if not distinctive_hit and partial:
        # Only generic words matched part of a name ("China Electronics Technology"):
        # worth a suggestion, never a confident answer.
        score *= GENERIC_ONLY_FACTOR
    why: str | None = None
    if misread and misread_weight < MISREAD_SHARE * q_weight:
        misread = ""  # the other words say which body: "CASIC Fiance" is CASIC Finance
    if score > EXTRA_WORD_CAP:
        why = _namesake(
            index, extra, partial, coined_hit, common_hit, misread, r_set - used, idx, asked
        )
        if why is not None:
            score = capped(score)
    if partial or extra:
        kind = MatchKind.PARTIAL
    elif typos:
        kind = MatchKind.TYPO
    else:
        kind = MatchKind.REORDERED
    return score, kind, why, typos


def _numbers_differ(index: NameStore, r_set: set[int], asked: _Asked) -> bool:
    """The name lacks a number of the query ("中国电子科技集团第58研究所" for the 28th), or
    has one where the query has none (CSSC's "722所" for "中国船舶工业集团", CSSC itself):
    it numbers another body."""
    words = [index._words[t] for t in r_set]
    if asked.numbers:
        return not asked.numbers <= set(words)
    return any(word.isdigit() for word in words)


def _namesake(
    index: NameStore,
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
        adds = {index._words[t] for t in unmatched}
        only_form = all(namesakes.is_legal_form(word) for word in adds)
        if not coined_hit and not (common_hit and only_form):
            return f"{common_hit!r} is a common word, and the name has more" if common_hit else ""
        places = namesakes.foreign_places(adds)
        if places:
            # "Kiekert USA Inc." is the US subsidiary, not "Kiekert" or "Kiekert AG".
            return f"the name adds {', '.join(sorted(places))}"
        if asked.institution:
            more = _more_than_asked(index, adds, idx)
            if more:
                return f"the name adds {', '.join(sorted(more))}"
    elif asked.china_first != asked.of_china:
        # Same words, other order: "China University of Science and Technology"
        # (Taipei) is not the "University of Science and Technology of China".
        text = index._texts[idx]
        first = index._words[index._record_tokens(idx)[0]] in CHINA_WORDS
        of_china = _says_of_china(text)
        if (asked.china_first and of_china and not first) or (
            asked.of_china and first and not of_china
        ):
            return "'China' stands elsewhere in the name"
    text, owner = index._texts[idx], index.entity_name(index._entity[idx])
    if namesakes.other_legal_form(asked.form, text, owner):
        return OTHER_FORM
    return None


def _more_than_asked(index: NameStore, adds: set[str], idx: int) -> set[str]:
    """The distinctive words a name adds to a query that named a whole institution,
    less its legal form and what it says in parentheses ("China University of
    Geosciences (Wuhan)"). Generic words added ("54th Research Institute of China
    Electronics Technology Group") leave it the same body."""
    more = {w for w in adds if w not in normalize.GENERIC and not namesakes.is_legal_form(w)}
    if more and "(" in index._texts[idx]:
        more -= set(normalize.tokens(" ".join(_PARENTHESES.findall(index._texts[idx]))))
    return more


def capped(score: float, cap: float = EXTRA_WORD_CAP) -> float:
    """At most ``cap`` (below a confident match), keeping the order of the scores above
    it."""
    if score <= cap:
        return score
    return cap - (100.0 - score) * CAP_SLOPE


def _ends_in_form(text: str) -> bool:
    if namesakes.legal_family(text) is not None:
        return True
    words = _RAW_WORD.findall(text.lower())
    return len(words) > 1 and words[-1] in TRAILING_NEUTRAL_FORMS


def _form_left_off(query: str, text: str) -> bool:
    """The listed text ends with a legal form the query does not have: the query is that
    name only without its form ("CEC" for "CEC LIMITED")."""
    return _ends_in_form(text) and not _ends_in_form(query)
