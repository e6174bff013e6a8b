"""Plain reply objects: what a command answers, before any platform renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from registry.lookup import MatchStatus
from registry.views import (
    DesignationView,
    EntityCard,
    IdentifierView,
    ListsLoaded,
    RelationshipView,
    SourceRef,
)

__all__ = [
    "DesignationView",
    "EntityCard",
    "IdentifierView",
    "ListsLoaded",
    "RelationshipView",
    "SourceRef",
]


@dataclass(frozen=True, slots=True)
class CandidateView:
    id: int
    name: str
    score: float
    matched_on: str
    how: str


class Level(StrEnum):
    """The verdict on one organisation, strongest first (``handlers.verdict``)."""

    LISTED = "listed"  # on a list today
    TIED = "tied"  # a recorded tie; the strongest is named (ties to listed bodies first)
    FORMER = "formerly_listed"  # on a list once, on none today, and no tie
    NO_FINDING = "no_finding"  # nothing found on the lists loaded: never "clear"
    AMBIGUOUS = "did_you_mean"  # the name is unclear: no verdict on a guess
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """The verdict in one sentence, with what it rests on: the same ``text`` in the
    terminal, Slack, Teams and JSON."""

    level: Level
    text: str
    lists: tuple[DesignationView, ...] = ()  # the listings it rests on
    tie: RelationshipView | None = None  # for ``tied``: the strongest tie


@dataclass(frozen=True, slots=True)
class LookupReply:
    query: str
    status: MatchStatus
    card: EntityCard | None  # the match, or the best candidate when ambiguous
    score: float | None = None
    matched_on: str | None = None
    how: str | None = None
    candidates: tuple[CandidateView, ...] = ()
    checked: ListsLoaded | None = None  # what a "no finding" was checked against
    full: bool = False  # every tie, alias and reason (``--full``, the "more" button)


@dataclass(frozen=True, slots=True)
class HelpReply:
    lines: tuple[str, ...]
    hint: str | None = None  # why help is shown, when the input was not understood


@dataclass(frozen=True, slots=True)
class ErrorReply:
    message: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class NoticeReply:
    """A confirmation or a short list: "Watching Baidu, Inc.", "This channel gets: ..."."""

    text: str
    lines: tuple[str, ...] = ()
    public: bool = False  # a change to the channel's alerts is shown to the channel


class Verdict(StrEnum):
    """One name's answer in a quick check, strongest first."""

    LISTED = "listed"
    TIED = "tied"
    FORMER = "formerly listed"
    KNOWN = "in the registry"
    AMBIGUOUS = "did you mean"
    NONE = "not found"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One name of a quick check: the verdict, and a sentence saying why.

    ``detail`` is plain, unescaped text built from the registry ("US DoD 1260H list since
    2021-06-03", "has a joint lab with The 28th Research Institute"); renderers escape it.
    """

    query: str  # as typed (a check) or as written in the message (a scan)
    verdict: Verdict
    detail: str = ""
    entity_id: int | None = None
    name: str | None = None
    how: str | None = None  # how the query matched: "near (typo) name", "acronym", ...
    candidates: tuple[CandidateView, ...] = ()
    finding: Finding | None = None  # the verdict object (``Finding.level``, ``.text``)

    def reason(self, detail: str) -> str:
        """The verdict in words around ``detail`` (as the renderer escaped it), one
        wording for every front end: "listed on …", "did you mean …?"."""
        before, after = _VERDICT_WORDS.get(self.verdict, ("", ""))
        return f"{before}{detail}{after}"

    @property
    def shows_how(self) -> bool:
        """Worth saying how the query matched (not when it was the name as written)."""
        return bool(self.how) and not (self.how or "").startswith(("exact", "same"))


_VERDICT_WORDS = {
    Verdict.LISTED: ("listed on ", ""),
    Verdict.TIED: ("tied: ", ""),
    Verdict.FORMER: ("formerly listed: ", ""),
    Verdict.AMBIGUOUS: ("did you mean ", "?"),
}


@dataclass(frozen=True, slots=True)
class CheckListReply:
    """A quick check of many names (typed, or found in a message): one line each."""

    lines: tuple[CheckLine, ...]
    found_in_message: bool = False
    # Opaque: ``handlers.quick.reshare`` turns it back into this reply (Share in channel).
    share_key: str | None = None
    omitted: int = 0  # organisations found beyond the lines shown

    def count(self, verdict: Verdict) -> int:
        return sum(line.verdict is verdict for line in self.lines)


@dataclass(frozen=True, slots=True)
class Reply:
    """Union wrapper so front ends can dispatch on ``body``'s type."""

    body: LookupReply | HelpReply | ErrorReply | NoticeReply | CheckListReply
    notes: tuple[str, ...] = field(default_factory=tuple)
