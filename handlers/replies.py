"""Plain reply objects: what a command answers, before any platform renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from registry.lookup import MatchStatus


@dataclass(frozen=True, slots=True)
class SourceRef:
    number: int
    title: str
    publisher: str
    url: str
    date: str | None


@dataclass(frozen=True, slots=True)
class DesignationView:
    list_id: str
    list_name: str
    start: str | None
    end: str | None
    status: str  # "listed since 2021-06-03", "removed on 2025-01-07", "relisted on ..."
    reason: str | None
    source: int  # number into the card's sources
    source_url: str
    # What the listing requires, as the list's entry states it (Entity List, MEU).
    licence_requirement: str | None = None
    licence_policy: str | None = None
    # Further sources of the listing (later notices, the edition read, the edition that
    # no longer holds it), numbered.
    citations: tuple[int, ...] = ()
    # Why the period ended when no end date is published ("not in the edition of ...").
    end_note: str | None = None

    @property
    def active(self) -> bool:
        return self.end is None


@dataclass(frozen=True, slots=True)
class RelationshipView:
    type: str
    direction: str  # "out": this entity is the subject; "in": it is the object
    sentence: str  # "is a subsidiary of", "has a joint lab with" ...
    other_id: int
    other_name: str
    summary: str | None
    start: str | None
    end: str | None
    sources: tuple[int, ...]
    other_listed: bool = False  # the other organisation is on a list today


@dataclass(frozen=True, slots=True)
class CandidateView:
    id: int
    name: str
    score: float
    matched_on: str
    how: str


@dataclass(frozen=True, slots=True)
class EntityCard:
    id: int
    key: str
    name: str
    native_name: str | None
    kind: str
    country: str | None
    aliases: tuple[str, ...]
    summary: str | None
    summary_sources: tuple[int, ...]
    designations: tuple[DesignationView, ...]
    relationships: tuple[RelationshipView, ...]
    sources: tuple[SourceRef, ...]

    @property
    def listed_on(self) -> list[DesignationView]:
        return [d for d in self.designations if d.active]


@dataclass(frozen=True, slots=True)
class LookupReply:
    query: str
    status: MatchStatus
    card: EntityCard | None  # the match, or the best candidate when ambiguous
    score: float | None = None
    matched_on: str | None = None
    how: str | None = None
    candidates: tuple[CandidateView, ...] = ()


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


@dataclass(frozen=True, slots=True)
class ListView:
    """One list of ``/mcf sources``: what it is, what a listing means, what is loaded."""

    id: str
    name: str
    authority: str
    legal_basis: str
    legal_basis_url: str
    effect: str
    legal: bool
    completeness: str  # "complete" | "sample" (the bundled copy)
    licence: str
    edition: str | None
    parties: int
    listed_now: int
    last_import: str | None

    def line(self) -> str:
        """The list in one line of plain text (chat renderers escape it)."""
        edition = edition_words(self.edition, self.parties)
        copy = "complete copy" if self.completeness == "complete" else "a sample only"
        return (
            f"{self.name} ({self.id}): {edition}, {copy}; {self.listed_now:,} listed now of "
            f"{self.parties:,}. {self.effect}"
        )


def edition_words(edition: str | None, parties: int) -> str:
    if edition:
        return f"edition of {edition}"
    return "an undated edition" if parties else "nothing loaded yet"


@dataclass(frozen=True, slots=True)
class SourcesReply:
    """Every list the registry loads (``/mcf sources``)."""

    lists: tuple[ListView, ...]

    def as_notice(self) -> NoticeReply:
        """The same answer as a short list, for chat."""
        return NoticeReply(
            f"The registry loads {len(self.lists)} lists and trackers:",
            tuple(view.line() for view in self.lists),
        )


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

    body: LookupReply | HelpReply | ErrorReply | NoticeReply | CheckListReply | SourcesReply
    notes: tuple[str, ...] = field(default_factory=tuple)
