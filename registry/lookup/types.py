"""What a lookup returns: a status, and candidates that each say why they matched."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MatchStatus(StrEnum):
    MATCH = "match"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Candidate:
    entity_id: int
    name: str
    score: float
    matched_on: str  # the registry name or alias that matched
    how: str  # which transformation: "exact alias", "near (typo) name", ...
    # Every word on both sides accounted for (exactly, reordered or with a typo), as
    # opposed to a partial match: a complete match outranks partial look-alikes.
    complete: bool = False
    # Query words read with a typo: a typo match yields to a close rival that has the
    # typed words as written.
    typos: int = 0


@dataclass(frozen=True, slots=True)
class LookupResult:
    query: str
    status: MatchStatus
    candidates: list[Candidate]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
