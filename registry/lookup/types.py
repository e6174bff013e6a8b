"""What a lookup returns: a status, and candidates that each say why they matched."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum, unique


class MatchStatus(StrEnum):
    MATCH = "match"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@unique
class MatchKind(StrEnum):
    """How a query matched a name (the ``kind`` of an ``Explanation``)."""

    EXACT = "exact"  # the whole name as written (or compacted, toneless, without its form)
    SAME_WORDS = "same_words"  # the words of the name, with another legal form
    REORDERED = "reordered"  # every word of both, in another order
    TYPO = "typo"  # every word of both, some read with a typo
    PARTIAL = "partial"  # part of the name, or the name lacks a word typed
    ONE_CHARACTER = "one_character"  # a Chinese name one character away
    FOUND = "found"  # written in a message, as one of the name's forms (a scan)
    SAME = "same"  # written in a message, and several organisations have it (a scan)
    CHOSEN = "chosen"  # picked by its id (a button, a card), not by a name


@unique
class NameField(StrEnum):
    """Which of an organisation's names matched (the values are the index's record kinds
    and the words an explanation shows)."""

    NAME = "name"
    ALIAS = "alias"
    ACRONYM = "acronym"  # a weak alias: it answers exact queries only
    CHINESE = "Chinese name"
    PINYIN = "pinyin of Chinese name"  # a Chinese name, asked in Latin letters


# The words an explanation starts with, by kind ("near (typo) name").
_KIND_WORDS = {
    MatchKind.EXACT: "exact",
    MatchKind.SAME_WORDS: "words of the",
    MatchKind.REORDERED: "reordered",
    MatchKind.TYPO: "near (typo)",
    MatchKind.PARTIAL: "partial",
    MatchKind.ONE_CHARACTER: "near (one character)",
    MatchKind.FOUND: "",
    MatchKind.SAME: "same",
    MatchKind.CHOSEN: "chosen",
}
# Kinds that mean the text asked is one of the organisation's names as written: no need
# to say how it matched, and several such answers are a true namesake clash.
_AS_WRITTEN = frozenset({MatchKind.EXACT, MatchKind.SAME})


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a candidate matched: the kind of match, the name field it matched, and, when
    its score was held below a confident match, why. ``text`` is what people read (and
    what JSON's ``how`` holds): "exact alias", "near (typo) name; another legal form"."""

    kind: MatchKind
    field: NameField | None = None  # None: no name matched (``CHOSEN``)
    # Why a score was held below a confident match; "" when held back for a reason plain
    # from the kind (a typed word the name lacks); None when not held back.
    held_back: str | None = None

    @property
    def text(self) -> str:
        # (A scan's find shows its field alone, "acronym"; without one, its kind.)
        words = " ".join(w for w in (_KIND_WORDS[self.kind], self.field or "") if w)
        words = words or self.kind.value
        return f"{words}; {self.held_back}" if self.held_back else words

    @property
    def as_written(self) -> bool:
        """The text asked is one of the organisation's names as written."""
        return self.kind in _AS_WRITTEN

    def __str__(self) -> str:
        return self.text


# The name itself, as written: nothing worth saying about how it matched.
EXACT_NAME = Explanation(MatchKind.EXACT, NameField.NAME)
# An organisation picked by its id (a button, a card): it matched no name.
CHOSEN = Explanation(MatchKind.CHOSEN)


@dataclass(frozen=True, slots=True)
class Candidate:
    entity_id: int
    name: str
    score: float
    matched_on: str  # the registry name or alias that matched
    how: Explanation  # which transformation: "exact alias", "near (typo) name", ...
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
