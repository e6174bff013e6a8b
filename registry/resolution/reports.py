"""Likely duplicates: pairs still apart that look like one organisation, each with its
reviewed decision, for ``mcf-bot db duplicates``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.resolution.decide import decided
from registry.resolution.decisions import Decision, load_decisions
from registry.resolution.pairs import Pair, candidate_pairs, snapshot


@dataclass(frozen=True)
class Duplicate:
    pair: Pair
    names: tuple[str, str]
    keys: tuple[str, str]
    decision: Decision | None

    @property
    def decided(self) -> bool:
        return self.decision is not None


def duplicates(session: Session, decisions: list[Decision] | None = None) -> list[Duplicate]:
    """Pairs still apart that look like one organisation, each with its decision if the
    reviewed file has one. Strong pairs kept apart (a conflict) are listed too."""
    decisions = load_decisions() if decisions is None else decisions
    entities = snapshot(session)
    by_pair = {frozenset((a, b)): d for d, a, b in decided(decisions, entities)}
    out = []
    for pair in candidate_pairs(session, entities):
        a, b = entities[pair.a], entities[pair.b]
        out.append(Duplicate(pair, (a.name, b.name), (a.key, b.key), by_pair.get(pair.ids)))
    return out
