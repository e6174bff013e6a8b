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
    card: EntityCard | None  # the match; None when ambiguous ("did you mean": candidates)
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


# A sync error in a chat line: enough for its cause ("HTTP 500", "timed out"), not its URL.
BRIEF_ERROR_CHARS = 80


@dataclass(frozen=True, slots=True)
class SyncView:
    """How ``mcf-bot sync`` keeps a list current: where from, when, and how it went."""

    source: str
    urls: tuple[str, ...]  # in use: the catalogue's, or an MCF_SYNC_URL_* override
    last_attempt: str | None  # ISO times, UTC
    last_change: str | None
    edition: str | None
    last_error: str | None
    failures: int  # in a row
    failing: bool

    def words(self, *, brief: bool = False) -> str:
        """One line of plain text (chat renderers escape it); ``brief`` for chat, where
        the error's first words must leave room for the rest of the line."""
        if self.last_attempt is None:
            return f"not synced yet (source {self.source})"
        text = f"last synced {self.last_attempt}, last changed {self.last_change or 'never'}"
        if self.last_error:
            error = self.last_error
            for url in self.urls if brief else ():
                error = error.removeprefix(f"{url}: ")  # the URL is shown elsewhere
            if brief and len(error) > BRIEF_ERROR_CHARS:
                error = error[: BRIEF_ERROR_CHARS - 1] + "…"
            text += f"; failing ({self.failures} in a row): {error}"
        return text


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
    # None: no publisher file is fetched for this list (``mcf-bot import`` only).
    sync: SyncView | None = None
    # The publisher's usual rhythm, in words (None: not re-issued).
    rhythm: str | None = None
    # "copy of 2022-04-21 is older than its publisher's rhythm (...): run `mcf-bot sync`".
    stale: str | None = None
    # An edition the import guard held: "edition of 2026-12-01 held 2026-12-05: <why>".
    held: str | None = None
    # Persons (vessels, aircraft) the list names with a China tie, not loaded.
    out_of_scope: int = 0
    # Of ``parties``, how many have a Chinese name that a source writes.
    chinese_names: int = 0

    def line(self) -> str:
        """The list in one line of plain text (chat renderers escape it)."""
        edition = edition_words(self.edition, self.parties)
        copy = "complete copy" if self.completeness == "complete" else "a sample only"
        return (
            f"{self.name} ({self.id}): {edition}, {copy}; {self.listed_now:,} listed now of "
            f"{self.parties:,}."
            + (f" {self.scope_words()}." if self.out_of_scope else "")
            + (f" Stale: {self.stale}." if self.stale else "")
            + (f" Held: {self.held}." if self.held else "")
            + (f" Sync: {self.sync.words(brief=True)}." if self.sync else "")
            + f" {self.effect}"
        )

    def scope_words(self) -> str:
        n = self.out_of_scope
        persons = f"{n:,} person{'s' if n != 1 else ''}"
        return f"{persons} with a China tie not loaded (organisations only)"


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
    country: str | None = None  # the organisation's country, so namesakes abroad show
    matched_on: str | None = None  # the registry name the query matched

    finding: Finding | None = None  # the verdict object (``Finding.level``, ``.text``)

    @property
    def label(self) -> str:
        """The organisation as a check line names it: "Kiekert USA Inc. (US)", and the
        name that matched when it is neither the query nor the organisation's name
        ("Shenzhen DJI Innovation Technology Co., Ltd. (CN), as SZ DJI TECHNOLOGY ...")."""
        label = self.name or self.query
        if self.country:
            label += f" ({self.country})"
        seen = {self.query.casefold(), (self.name or "").casefold()}
        if self.matched_on and self.matched_on.casefold() not in seen:
            label += f", as {self.matched_on}"
        return label

    @property
    def after_query(self) -> str:
        """What follows the query on a check line: " → Baidu, Inc. (CN)" when the answer
        has another name, else just its country: " (CN)"."""
        if not self.name:
            return ""
        if self.name.casefold() == self.query.casefold():
            return self.label[len(self.name) :]
        return f" → {self.label}"

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
