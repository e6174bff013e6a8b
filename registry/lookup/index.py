"""The name index over the registry, and the matcher that answers lookups.

``NameIndex`` is the storage (``build``: records column by column, refreshed from the
change log) with ``lookup`` on top. A lookup takes four steps, each in its own module:
candidate generation (``candidates``: exact keys, shared words and their typos, Chinese
names one character away), scoring (``scoring``: inverse-document-frequency weights and
the namesake rules), ranking and the decision (``decide``: match, "did you mean" or
none).
"""

from __future__ import annotations

from registry.lookup import candidates, decide, namesakes, scoring, typos
from registry.lookup.build import NameStore
from registry.lookup.tables import remembered
from registry.lookup.types import Candidate, LookupResult, MatchStatus
from registry.names import normalize, prefixes

# Queries are cut to this many characters (a 10 kB paste is not a name).
MAX_QUERY_CHARS = 300
# Answers remembered between two changes of the index (a few MB).
MAX_ANSWERS = 10_000
# Made-up queries that take every path of a lookup (Latin words, a slip, a legal form,
# Chinese characters simplified and traditional, pinyin): no organisation's name, so
# priming keeps no answer anyone will ask.
PRIMING_QUERIES = (
    "Quillvane Aeronautics Institute",
    "Quillvain Aeronautcs Co., Ltd.",
    "样本航空测试研究所",
    "樣本航空測試研究所",
    "Yangben Hangkong Ceshi",
)


class NameIndex(NameStore):
    def lookup(self, query: str, limit: int = 5) -> LookupResult:
        """The names that ``query`` may mean, best first. Answers are remembered until
        the index changes (a chat asks about the same organisations again and again); the
        result is shared: not to be changed."""
        if not self.frozen:
            self.freeze()  # an index filled by hand (tests, benchmarks)
        return remembered(self._answers, (query, limit), MAX_ANSWERS, self._lookup, query, limit)

    def prime(self) -> None:
        """Load what lookups load on first use (an English dictionary, the Chinese
        conversion tables: some 80 ms), so that a server's first asks do not wait for it.
        (``mcf-bot ask`` does not: it starts faster without.)"""
        namesakes.prepare()
        for query in PRIMING_QUERIES:  # Chinese conversion, pinyin, legal forms
            self._lookup(query, 1)  # not remembered

    def _lookup(self, query: str, limit: int) -> LookupResult:
        result = self._match(query, limit)
        if result.status is MatchStatus.MATCH:
            return result
        # "PLA Information Engineering University": lists name the PLA's bodies without
        # it (or in Chinese with it), people with it. The name without it, if that is sure.
        rest = prefixes.without_pla(result.query)
        if rest is not None:
            bare = self._match(rest, limit)
            if bare.status is MatchStatus.MATCH:
                return LookupResult(result.query, bare.status, bare.candidates)
        return result

    def _match(self, query: str, limit: int) -> LookupResult:
        query = normalize.clean(query)[:MAX_QUERY_CHARS]
        q_tokens = normalize.tokens(query)
        if not q_tokens and not query:
            return LookupResult(query, MatchStatus.NONE, [])
        scored: dict[int, Candidate] = {}

        def offer(cand: Candidate) -> None:
            best = scored.get(cand.entity_id)
            if best is None or cand.score > best.score:
                scored[cand.entity_id] = cand

        form = namesakes.legal_family(query)
        for idx in candidates.exact_records(self, query, q_tokens):
            offer(scoring.exact_candidate(self, idx, query, form))
        # Slips in words that reading a name rewrites ("Technlogy" of "Science &
        # Technology", "Limted"): read as those words, and scored as typos.
        slips = scoring.Slips()
        respelt, count = typos.respell(query, self._vocab)
        if count:
            fixed_tokens = normalize.tokens(respelt)
            slips = scoring.Slips(frozenset(fixed_tokens) - frozenset(q_tokens), count)
            q_tokens = fixed_tokens
        asked = scoring.what_is_asked(query, q_tokens, form)
        bounded = None if scoring.may_demote(scored) else limit
        for cand in scoring.fuzzy_candidates(self, q_tokens, asked, bounded, slips):
            offer(cand)
        for idx in candidates.han_near_records(self, query):
            offer(scoring.han_near_candidate(self, idx))
        if all(c.score < decide.SUGGEST_SCORE for c in scored.values()):
            for cand in scoring.contained_names(self, q_tokens):
                offer(cand)
        scoring.prefer_stated_form(scored, query)
        scoring.demote_beside_acronym(scored, query)
        ranked = decide.rank(list(scored.values()), query, limit)
        return LookupResult(query, decide.decide(ranked, query), ranked)
