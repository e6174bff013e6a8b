"""Plain reply objects: what a command answers, before any platform renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from registry.catalog import OwnershipRule
from registry.lookup import MatchStatus
from registry.lookup.types import Explanation
from registry.network import Network
from registry.owners import OwnerPath
from registry.views import (
    CheckedList,
    DesignationView,
    EntityCard,
    IdentifierView,
    ListsLoaded,
    RelationshipView,
    SourceRef,
)

__all__ = [
    "CheckedList",
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
    how: Explanation


class Level(StrEnum):
    """The verdict on one organisation, strongest first (decided in ``handlers.verdict``).
    Each level means one thing, in every front end, in JSON and in ``check``."""

    LISTED = "listed"  # on at least one list with legal effect today
    FORMER = "formerly_listed"  # was on such a list, is on none today (a tie may apply too)
    TIED = "tied"  # on no such list, with a tie to a body that is
    TRACKED = "tracked"  # only in a research tracker (no legal effect)
    NOT_LISTED = "not_listed"  # in the registry, on none of the lists loaded, no such tie
    NO_MATCH = "no_match"  # no organisation in the registry matches the text: no verdict
    AMBIGUOUS = "did_you_mean"  # the name is unclear: no verdict on a guess
    ERROR = "error"

    @property
    def words(self) -> str:
        """The level in words, as a check line, its JSON and a screening file say it."""
        return LEVEL_WORDS[self]


LEVEL_WORDS = {
    Level.LISTED: "listed",
    Level.FORMER: "formerly listed",
    Level.TIED: "tied",
    Level.TRACKED: "tracked",
    Level.NOT_LISTED: "not listed",  # in the registry, on no list loaded
    Level.AMBIGUOUS: "did you mean",
    Level.NO_MATCH: "no match",
    Level.ERROR: "error",
}
# The order a quick check counts its lines in ("3 listed, 1 did you mean, 2 no match").
CHECK_COUNT_ORDER = tuple(LEVEL_WORDS)


@dataclass(frozen=True, slots=True)
class Tie:
    """The tie a verdict rests on: this organisation to a body on a list with legal
    effect, as the source states it (one hop today; a path to the nearest listed owner
    can be added beside ``relationship``)."""

    relationship: RelationshipView
    # The chain of ownership/control ties up to the nearest listed owner (its first hop is
    # ``relationship``), where there is one (``registry.owners``).
    path: OwnerPath | None = None

    @property
    def other_id(self) -> int:
        return self.relationship.other_id

    @property
    def other_name(self) -> str:
        return self.relationship.other_name

    @property
    def other_lists(self) -> tuple[str, ...]:
        return self.relationship.other_lists

    @property
    def sentence(self) -> str:
        return self.relationship.sentence


@dataclass(frozen=True, slots=True)
class Finding:
    """The verdict in one sentence, with what it rests on: the same ``text`` in the
    terminal, Slack, Teams and JSON, and ``detail`` (the text after its label) on a
    ``check`` line."""

    level: Level
    text: str
    lists: tuple[DesignationView, ...] = ()  # ``listed``: the listings it rests on
    tie: Tie | None = None  # the strongest tie to a listed body, where there is one
    former: tuple[DesignationView, ...] = ()  # ended listings, with their end dates
    tracked: tuple[DesignationView, ...] = ()  # research trackers naming it
    checked: ListsLoaded | None = None  # what ``not_listed`` / ``no_match`` checked
    nearest: tuple[str, ...] = ()  # ``no_match`` / ``did_you_mean``: the closest names
    detail: str = ""  # ``text`` without its label ("Listed: ")
    # Why an organisation on no list is in the registry (the article naming it).
    why: str | None = None


@dataclass(frozen=True, slots=True)
class LookupReply:
    query: str
    status: MatchStatus
    card: EntityCard | None  # the match; None when ambiguous ("did you mean": candidates)
    score: float | None = None
    matched_on: str | None = None
    how: Explanation | None = None
    candidates: tuple[CandidateView, ...] = ()
    checked: ListsLoaded | None = None  # what a "no finding" was checked against
    full: bool = False  # every tie, alias and reason (``--full``, the "more" button)
    # Answered as of a past date (``--as-of``): the card holds what was in force then;
    # ``later`` says what changed after it ("DoD 1260H from 2025-01-07").
    as_of: str | None = None
    later: tuple[str, ...] = ()
    # The verdict (``handlers.verdict.findings``), decided whenever the reply is made or
    # replaced, so that renderers only map it; ``card_finding`` is the card's own, without
    # the as-of wording (``match.verdict`` in JSON; the reply's own when there is no card).
    finding: Finding = field(init=False, repr=False, compare=False)
    card_finding: Finding = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # handlers.verdict reads the reply types defined here: imported when a reply is made.
        from handlers import verdict

        finding, card = verdict.findings(self)
        object.__setattr__(self, "finding", finding)
        object.__setattr__(self, "card_finding", card)


@dataclass(frozen=True, slots=True)
class HelpReply:
    lines: tuple[str, ...]
    hint: str | None = None  # why help is shown, when the input was not understood


@dataclass(frozen=True, slots=True)
class ErrorReply:
    message: str
    hint: str | None = None
    # The asker's to fix (a bad name, an unknown list), not a failure on our side: the
    # terminal exits 2 for these, 1 for the others.
    fixable: bool = False

    @property
    def finding(self) -> Finding:
        """No verdict: the error, as the verdict's place says it."""
        return Finding(Level.ERROR, self.message, detail=self.message)


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

    # The edition's age in words ("4 years old"), where its date is known.
    age: str | None = None
    # A rating of another list (shown with it, not counted as a list of its own).
    rates: str | None = None

    def copy_words(self) -> str:
        """ "complete as of its edition (4 years old)": complete means complete as of
        the edition held, never current."""
        if self.completeness != "complete":
            return "a sample only: absence from it proves nothing"
        age = f" ({self.age})" if self.age else ""
        return f"complete as of that edition{age}"

    def line(self) -> str:
        """The list in one line of plain text (chat renderers escape it)."""
        edition = edition_words(self.edition, self.parties)
        copy = self.copy_words()
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
    """Every list the registry loads (``/mcf sources``). ``checked`` is what answers check
    names against (``registry.views.lists_loaded``): both count lists the same way."""

    lists: tuple[ListView, ...]
    checked: ListsLoaded | None = None
    # The catalogue's ownership rules (``registry.catalog.rules``), with their status.
    rules: tuple[OwnershipRule, ...] = ()

    @property
    def title(self) -> str:
        n = self.checked.count if self.checked else len(self.lists)
        text = f"Names are checked against {n} list{'s' if n != 1 else ''} and trackers"
        ratings = [v.name for v in self.lists if v.rates]
        if ratings:
            text += f" ({'; '.join(ratings)} shown with the list rated)"
        if self.checked and self.checked.not_held:
            text += f"; not held: {', '.join(self.checked.not_held)}"
        return text + ":"

    def as_notice(self) -> NoticeReply:
        """The same answer as a short list, for chat."""
        return NoticeReply(self.title, tuple(view.line() for view in self.lists))


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One name of a quick check: the verdict, and a sentence saying why.

    ``detail`` is plain, unescaped text built from the registry ("US DoD 1260H list since
    2021-06-03", "has a joint lab with The 28th Research Institute"); renderers escape it.
    """

    query: str  # as typed (a check) or as written in the message (a scan)
    verdict: Level
    detail: str = ""
    entity_id: int | None = None
    name: str | None = None
    how: Explanation | None = None  # how the query matched: "near (typo) name", "acronym"...
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
        return self.how is not None and not self.how.as_written


_VERDICT_WORDS = {
    Level.LISTED: ("listed on ", ""),
    Level.TIED: ("tied: ", ""),
    Level.FORMER: ("formerly listed: ", ""),
    Level.TRACKED: ("tracked, not listed: ", ""),
    Level.NOT_LISTED: ("not listed: ", ""),
    Level.NO_MATCH: ("no match: ", ""),
    Level.AMBIGUOUS: ("did you mean ", "?"),
}


@dataclass(frozen=True, slots=True)
class CheckListReply:
    """A quick check of many names (typed, or found in a message): one line each."""

    lines: tuple[CheckLine, ...]
    found_in_message: bool = False
    # Opaque: ``handlers.quick.reshare`` turns it back into this reply (Share in channel).
    share_key: str | None = None
    omitted: int = 0  # organisations found beyond the lines shown

    def count(self, verdict: Level) -> int:
        return sum(line.verdict is verdict for line in self.lines)

    def counts(self) -> tuple[tuple[Level, int], ...]:
        """Each verdict with lines, and how many, in ``CHECK_COUNT_ORDER``."""
        return tuple((v, self.count(v)) for v in CHECK_COUNT_ORDER if self.count(v))


@dataclass(frozen=True, slots=True)
class GraphReply:
    """A picture of one organisation's network: what to draw (``bot.render.graph``)."""

    network: Network

    @property
    def name(self) -> str:
        return self.network.centre.name


@dataclass(frozen=True, slots=True)
class Reply:
    """Union wrapper so front ends can dispatch on ``body``'s type."""

    body: (
        LookupReply
        | HelpReply
        | ErrorReply
        | NoticeReply
        | CheckListReply
        | SourcesReply
        | GraphReply
    )
    notes: tuple[str, ...] = field(default_factory=tuple)
    records: tuple[int, ...] = ()  # the screening records this answer left
    # ``/mcf report NAME``: the front end attaches the evidence PDF (``bot.report_pdf``).
    report: bool = False
