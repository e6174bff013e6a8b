"""An in-memory name index over the registry, and the matcher that answers lookups.

Candidates come from an inverted index of tokens (with a symmetric-delete table for
typos), so only names sharing a word with the query are scored. Scores weigh tokens by
inverse document frequency: "Beijing" vs "Nanjing" decides, "University" barely counts.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.lookup import normalize
from registry.lookup.types import Candidate, LookupResult, MatchStatus
from registry.models import Alias, Change, Entity

MATCH_SCORE = 85.0
MARGIN = 8.0
SUGGEST_SCORE = 60.0
MAX_QUERY_CHARS = 300
# Tokens that occur in more names than this are not used to find candidates when the
# query has rarer tokens: they would pull in half the registry.
COMMON_POSTINGS = 5000
# How many names, ranked by shared-word evidence, get the full (slower) score.
RESCORE = 64


@dataclass(frozen=True, slots=True)
class NameRecord:
    entity_id: int
    text: str
    how: str  # "name", "alias", "Chinese name", "pinyin of Chinese name", "acronym"
    weak: bool
    tokens: tuple[str, ...]


def _typo_budget(token: str) -> int:
    if len(token) < 5 or token.isdigit():
        return 0
    return 1 if len(token) < 9 else 2


def _deletes(token: str) -> list[str]:
    return [token[:i] + token[i + 1 :] for i in range(len(token))]


@dataclass
class NameIndex:
    records: list[NameRecord] = field(default_factory=list)
    entity_names: dict[int, str] = field(default_factory=dict)
    exact: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    deletes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    last_change_id: int = 0
    # Records of changed entities are retired in place (a refresh must not stall lookups
    # by rebuilding a million names); the index is compacted when too many are dead.
    by_entity: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    dead: set[int] = field(default_factory=set)
    # Weights change slowly as names are added; recomputed after each refresh.
    _idf: dict[str, float] = field(default_factory=dict)

    # -- building -----------------------------------------------------------------

    @classmethod
    def build(cls, session: Session) -> NameIndex:
        index = cls()
        latest = select(Change.id).order_by(Change.id.desc()).limit(1)
        index.last_change_id = session.execute(latest).scalar() or 0
        index._add_entities(session, None)
        return index

    def refresh(self, session: Session) -> int:
        """Add names written since the index was built; returns how many entities."""
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
        return len(touched)

    def _drop(self, entity_ids: set[int]) -> None:
        for entity_id in entity_ids:
            self.dead.update(self.by_entity.pop(entity_id, ()))
        if len(self.dead) > max(1000, len(self.records) // 5):
            self._compact()

    def _compact(self) -> None:
        keep = [r for i, r in enumerate(self.records) if i not in self.dead]
        self.records = []
        self.exact = defaultdict(list)
        self.postings = defaultdict(list)
        self.deletes = defaultdict(set)
        self.by_entity = defaultdict(list)
        self.dead = set()
        for rec in keep:
            self._add_record(rec)

    def _add_entities(self, session: Session, only: set[int] | None) -> None:
        query = select(Entity.id, Entity.name, Entity.native_name)
        alias_query = select(Alias.entity_id, Alias.name, Alias.weak)
        if only is not None:
            query = query.where(Entity.id.in_(only))
            alias_query = alias_query.where(Alias.entity_id.in_(only))
        for entity_id, name, native in session.execute(query):
            self.entity_names[entity_id] = name
            self.add_name(entity_id, name, "name")
            if native:
                self.add_name(entity_id, native, "Chinese name")
        for entity_id, name, weak in session.execute(alias_query):
            self.add_name(entity_id, name, "acronym" if weak else "alias", weak=weak)

    def add_name(self, entity_id: int, text: str, how: str, *, weak: bool = False) -> None:
        toks = normalize.tokens(text)
        if not toks and not text.strip():
            return
        self._add_record(NameRecord(entity_id, text, how, weak, toks))
        if normalize.has_han(text):
            spelled = normalize.pinyin(text)
            if spelled:
                self._add_exact(spelled, len(self.records) - 1)

    def _add_record(self, rec: NameRecord) -> None:
        self._idf.clear()
        idx = len(self.records)
        self.records.append(rec)
        self.by_entity[rec.entity_id].append(idx)
        self._add_exact(" ".join(rec.tokens), idx)
        self._add_exact(normalize.compact(rec.text), idx)
        if rec.weak:
            return  # weak names answer exact queries only
        for tok in set(rec.tokens):
            postings = self.postings[tok]
            if not postings:
                for variant in _deletes(tok) if _typo_budget(tok) else ():
                    self.deletes[variant].add(tok)
            postings.append(idx)

    def _add_exact(self, key: str, idx: int) -> None:
        if key and idx not in self.exact[key]:
            self.exact[key].append(idx)

    # -- matching -----------------------------------------------------------------

    def idf(self, token: str) -> float:
        cached = self._idf.get(token)
        if cached is not None:
            return cached
        df = len(self.postings.get(token, ()))
        n = max(len(self.records), 1)
        weight = math.log((n + 1) / (df + 1)) + 1.0
        weight *= 0.15 if token in normalize.GENERIC else 1.0
        self._idf[token] = weight
        return weight

    def _similar_tokens(self, token: str) -> list[tuple[str, float]]:
        """Index tokens within the typo budget of ``token``, with a similarity."""
        out: list[tuple[str, float]] = []
        if token in self.postings:
            out.append((token, 1.0))
        budget = _typo_budget(token)
        # "Powr" for "Power": a four-letter word may be a five-letter one missing a letter
        # (never another four-letter word: those are mostly acronyms).
        min_len = 0
        if not budget and len(token) == 4 and token.isalpha():
            budget, min_len = 1, 5
        if budget:
            seen = {token}
            for variant in [token, *_deletes(token)]:
                for cand in self.deletes.get(variant, ()):
                    if cand in seen or len(cand) < min_len:
                        continue
                    seen.add(cand)
                    dist = OSA.distance(token, cand, score_cutoff=budget)
                    if dist <= budget:
                        out.append((cand, 1.0 - 0.06 * dist))
                if variant in self.postings and variant not in seen and len(variant) >= min_len:
                    seen.add(variant)
                    if OSA.distance(token, variant) <= budget:
                        out.append((variant, 0.94))
        return out

    def lookup(self, query: str, limit: int = 5) -> LookupResult:
        query = normalize.clean(query)[:MAX_QUERY_CHARS]
        q_tokens = normalize.tokens(query)
        if not q_tokens and not query:
            return LookupResult(query, MatchStatus.NONE, [])
        scored: dict[int, Candidate] = {}

        def offer(cand: Candidate) -> None:
            best = scored.get(cand.entity_id)
            if best is None or cand.score > best.score:
                scored[cand.entity_id] = cand

        typed = query.lower().replace(" ", "")
        for key in {" ".join(q_tokens), normalize.compact(query), typed}:
            for idx in self.exact.get(key, ()):
                if idx in self.dead:
                    continue
                rec = self.records[idx]
                how = rec.how
                if how == "Chinese name" and not normalize.has_han(query):
                    how = "pinyin of Chinese name"
                score = 96.0 if rec.weak else 100.0
                name = self.entity_names[rec.entity_id]
                offer(Candidate(rec.entity_id, name, score, rec.text, f"exact {how}", True))

        for cand in self._fuzzy(q_tokens):
            offer(cand)
        ranked = sorted(scored.values(), key=lambda c: (-c.score, c.name))[:limit]
        return LookupResult(query, _decide(ranked), ranked)

    def _fuzzy(self, q_tokens: tuple[str, ...]) -> Iterable[Candidate]:
        if not q_tokens:
            return []
        expansions = {t: self._similar_tokens(t) for t in set(q_tokens)}
        rare = [
            t
            for t, sims in expansions.items()
            if any(len(self.postings[s]) <= COMMON_POSTINGS for s, _ in sims)
        ]
        # Accumulate each name's matched weight from the postings (cheap), then score
        # only the best few in full: at a million names a common word has huge lists.
        evidence: dict[int, float] = defaultdict(float)
        for t in rare or list(expansions):
            for s, sim in expansions[t]:
                if rare and len(self.postings[s]) > COMMON_POSTINGS:
                    continue
                weight = self.idf(s) * sim
                for idx in self.postings[s]:
                    evidence[idx] += weight
        for idx in self.dead.intersection(evidence):
            del evidence[idx]
        if len(evidence) > RESCORE:
            best = heapq.nlargest(RESCORE, evidence.items(), key=lambda kv: kv[1])
            # Names tied with the last place stay in: cutting a tie is a coin toss.
            floor = best[-1][1]
            shortlist = [idx for idx, _ in best]
            chosen = set(shortlist)
            ties = (i for i, v in evidence.items() if v == floor and i not in chosen)
            shortlist += list(itertools.islice(ties, RESCORE * 7))
        else:
            shortlist = list(evidence)
        out = []
        for idx in shortlist:
            rec = self.records[idx]
            score, how = self._score(q_tokens, expansions, rec)
            if score >= SUGGEST_SCORE:
                name = self.entity_names[rec.entity_id]
                complete = how != "partial"
                out.append(
                    Candidate(
                        rec.entity_id, name, round(score, 1), rec.text, f"{how} {rec.how}", complete
                    )
                )
        return out

    def _score(
        self,
        q_tokens: tuple[str, ...],
        expansions: dict[str, list[tuple[str, float]]],
        rec: NameRecord,
    ) -> tuple[float, str]:
        r_set = set(rec.tokens)
        used: set[str] = set()
        q_weight = q_hit = 0.0
        typos = 0
        distinctive_hit = False
        for t in q_tokens:
            if not expansions[t] and _is_legal_form_typo(t):
                continue  # "Limietd": a misspelt legal form carries no identity
            best_tok, best_sim = None, 0.0
            for cand, sim in expansions[t]:
                if cand in r_set and cand not in used and sim > best_sim:
                    best_tok, best_sim = cand, sim
            w = self.idf(best_tok or t)
            q_weight += w
            if best_tok is not None:
                used.add(best_tok)
                q_hit += w * best_sim
                typos += best_sim < 1.0
                distinctive_hit |= best_tok not in normalize.GENERIC
        if not q_weight:
            return 0.0, ""
        r_weight = sum(self.idf(t) for t in r_set) or 1.0
        r_hit = sum(self.idf(t) for t in used)
        q_cov, r_cov = q_hit / q_weight, r_hit / r_weight
        score = 100.0 * q_cov * (0.75 + 0.25 * r_cov)
        if not distinctive_hit and r_cov < 0.999:
            # Only generic words matched part of a name ("China Electronics Technology"):
            # worth a suggestion, never a confident answer.
            score *= 0.75
        if r_cov < 0.999:
            how = "partial"
        elif typos:
            how = "near (typo)"
        else:
            how = "reordered"
        return score, how


LEGAL_FORMS = ("limited", "company", "corporation", "incorporated", "holdings", "holding")


def _is_legal_form_typo(token: str) -> bool:
    budget = _typo_budget(token)
    return bool(budget) and any(OSA.distance(token, f) <= budget for f in LEGAL_FORMS)


def _decide(ranked: list[Candidate]) -> MatchStatus:
    if not ranked or ranked[0].score < SUGGEST_SCORE:
        return MatchStatus.NONE
    top, rivals = ranked[0], ranked[1:]
    if top.score < MATCH_SCORE:
        return MatchStatus.AMBIGUOUS
    close = [c for c in rivals if top.score - c.score < MARGIN]
    if not close:
        return MatchStatus.MATCH
    # A complete match (every word accounted for) beats names it only partly resembles;
    # an exact one beats mere near matches. Two of the same strength stay ambiguous.
    if top.complete and not any(c.complete for c in close):
        return MatchStatus.MATCH
    exact = top.how.startswith("exact")
    if exact and not any(c.how.startswith("exact") for c in close):
        return MatchStatus.MATCH
    return MatchStatus.AMBIGUOUS
