"""The decision: from ranked candidates, a confident match, a "did you mean", or none."""

from __future__ import annotations

from rapidfuzz import fuzz

from registry.lookup.types import Candidate, MatchKind, MatchStatus, NameField
from registry.names.aliases import empty_alias
from registry.names.normalize import tokens
from registry.names.places import adds_a_place

# A score at or above this is a confident match, unless a rival is close (MARGIN).
MATCH_SCORE = 85.0
# A rival within this of the first makes a "did you mean", unless the first is complete
# (or exact) and the rival is not.
MARGIN = 8.0
# A typo match with a rival closer than this that has the typed words as written is a
# "did you mean", even when the first is complete and the rival partial (Northwestern
# University: Northeastern University at 88.8, a typo, and Northwestern Polytechnical
# University at 87.9): at that distance the score cannot tell a slip from a longer name.
# Wider asks users to choose more often; 8 would undo MARGIN's exception for complete
# matches whenever the first needed a typo.
CLOSE_CALL = 3.0
# Below this a name is not worth suggesting.
SUGGEST_SCORE = 60.0


def rank(scored: list[Candidate], query: str, limit: int) -> list[Candidate]:
    """The best ``limit`` candidates, best first. Equal scores are ordered by how closely
    the whole text, legal form included, resembles what was typed ("Quinnro Optics
    Inc.": Quinnor Optics Inc. first)."""
    typed_lower = query.lower()
    return sorted(
        scored,
        key=lambda c: (-c.score, -fuzz.ratio(typed_lower, c.matched_on.lower()), c.name),
    )[:limit]


def decide(ranked: list[Candidate], query: str) -> MatchStatus:
    status = _decide(ranked)
    if status is MatchStatus.MATCH and _alias_beside_its_place(ranked, query):
        # "Yuwei Semiconductor Technology": one organisation's alias, and another's name
        # with its city ("Shanghai Yuwei Semiconductor Technology Co., Ltd."). The list
        # that gave the alias does not say the second is not meant: both, as a question.
        status = MatchStatus.AMBIGUOUS
    if status is MatchStatus.MATCH and empty_alias(query) is not None:
        # "China", "Hong Kong", "Co., Ltd.": no organisation's name, whatever it is
        # found in; at most a "did you mean".
        status = MatchStatus.AMBIGUOUS
    return status


def _alias_beside_its_place(ranked: list[Candidate], query: str) -> bool:
    """The first matched an alias exactly, and a rival's own name (not an alias: "Beijing
    Naura" is a subsidiary's alias beside the group's "Naura") is the query with a mainland
    place before or after it: however far behind ("… Mathematics, Beijing" scores as a
    partial name), a place is the least a name can add to what was asked."""
    top = ranked[0]
    if top.how.kind is not MatchKind.EXACT or top.how.field is not NameField.ALIAS:
        return False
    # Words as the index reads them: legal forms, "the", "of" and spellings folded.
    asked = tokens(query)
    if tokens(top.name) == asked:  # "Huawei Device": the first's own name, less its form
        return False
    return any(
        c.how.field is NameField.NAME and adds_a_place(tokens(c.matched_on), asked)
        for c in ranked[1:]
    )


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
    exact = top.how.kind is MatchKind.EXACT
    if top.typos and any(top.score - c.score < CLOSE_CALL and not c.typos for c in close):
        # A typo match, and close behind it a name with the words as typed and more.
        return MatchStatus.AMBIGUOUS
    # A complete match (every word accounted for) beats names it only partly resembles;
    # an exact one beats mere near matches. Two of the same strength stay ambiguous.
    if top.complete and not any(c.complete for c in close):
        return MatchStatus.MATCH
    if exact and not any(c.how.kind is MatchKind.EXACT for c in close):
        return MatchStatus.MATCH
    return MatchStatus.AMBIGUOUS
