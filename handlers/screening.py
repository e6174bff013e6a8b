"""Screening a partner file: every row's name answered as ``/mcf check`` answers it, the
rows kept as one batch of records (one transaction), and a one-line summary."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handlers import records
from handlers.context import Services
from handlers.lookup import check
from handlers.quick import line_for
from handlers.replies import CheckLine, Level, LookupReply, Reply
from registry.records import Requester

# The summary's words per verdict, in the order they are counted (strongest first).
SUMMARY_WORDS = {
    Level.LISTED: "listed",
    Level.FORMER: "formerly listed",
    Level.TIED: "tied",
    Level.TRACKED: "tracked",
    Level.AMBIGUOUS: "did you mean",
    Level.NOT_LISTED: "not listed",
    Level.NO_MATCH: "no match",
    Level.ERROR: "unreadable",
}
# What ``--fail-on`` accepts, as the user may write it.
FAIL_WORDS = {
    "listed": Level.LISTED,
    "tied": Level.TIED,
    "formerly_listed": Level.FORMER,
    "former": Level.FORMER,
    "tracked": Level.TRACKED,
    "not_listed": Level.NOT_LISTED,
    "did_you_mean": Level.AMBIGUOUS,
    "ambiguous": Level.AMBIGUOUS,
    "no_match": Level.NO_MATCH,
}
# Always said, even at 0: the counts a reader looks for first.
ALWAYS = (Level.LISTED, Level.FORMER, Level.TIED, Level.AMBIGUOUS, Level.NO_MATCH)


@dataclass(frozen=True, slots=True)
class ScreenedRow:
    query: str
    reply: Reply
    line: CheckLine
    score: float | None
    source_url: str | None  # the listing's (or strongest tie's) first source

    def cells(self) -> tuple[str, ...]:
        """verdict, lists, matched name, match note, score, source (``RESULT_COLUMNS``)."""
        line = self.line
        finding = line.finding
        lists = "; ".join(d.label for d in finding.lists) if finding else ""
        note = line.detail if line.how is None else f"{line.how.text}: {line.detail}"
        score = f"{self.score:.0f}" if self.score is not None else ""
        return (line.verdict.words, lists, line.name or "", note, score, self.source_url or "")


@dataclass(frozen=True, slots=True)
class ScreenedFile:
    rows: tuple[ScreenedRow, ...]
    records: tuple[int, ...]
    as_of: dt.date | None = None

    def count(self, verdict: Level) -> int:
        return sum(r.line.verdict is verdict for r in self.rows)

    def summary(self) -> str:
        """``43 names: 2 listed, 1 formerly listed, 3 tied, 5 did you mean, 32 no match``."""
        counts = Counter(r.line.verdict for r in self.rows)
        parts = [
            f"{counts[v]} {words}" for v, words in SUMMARY_WORDS.items() if v in ALWAYS or counts[v]
        ]
        n = len(self.rows)
        when = f" (as of {self.as_of})" if self.as_of else ""
        return f"{n} name{'s' if n != 1 else ''}{when}: " + ", ".join(parts)

    def fails(self, on: frozenset[Level]) -> bool:
        return any(r.line.verdict in on for r in self.rows)


def fail_set(text: str) -> frozenset[Level]:
    """``listed,tied`` -> the verdicts that make ``check`` exit 1."""
    from handlers.errors import BadInput

    found = set()
    for word in filter(None, (w.strip().lower().replace(" ", "_") for w in text.split(","))):
        if word not in FAIL_WORDS:
            raise BadInput(
                f"--fail-on does not know {word!r}.", "Use any of: " + ", ".join(FAIL_WORDS)
            )
        found.add(FAIL_WORDS[word])
    return frozenset(found)


def _source(body: object) -> tuple[float | None, str | None]:
    if not isinstance(body, LookupReply) or body.card is None:
        return (body.score if isinstance(body, LookupReply) else None), None
    card = body.card
    if card.listed_on:
        return body.score, card.listed_on[0].source_url
    urls = {s.number: s.url for s in card.sources}
    if card.relationships and card.relationships[0].sources:
        return body.score, urls.get(card.relationships[0].sources[0])
    if card.designations:
        return body.score, card.designations[0].source_url
    return body.score, None


def screen(
    services: Services,
    names: Sequence[str],
    who: Requester | None,
    *,
    kind: str = "file",
    as_of: dt.date | None = None,
    progress: Callable[[int], object] | None = None,
) -> ScreenedFile:
    """Every name in order (one index snapshot); the rows' records in one transaction."""
    rows = []
    for name, reply in check(services, names, as_of):
        score, url = _source(reply.body)
        rows.append(ScreenedRow(name, reply, line_for(name, reply), score, url))
        if progress is not None:
            progress(1)
    ids: list[int] = []
    if who is not None:
        kept = [records.line_screening(kind, row.line, as_of) for row in rows]
        ids = records.keep(services, who, kept, batch=True)
    return ScreenedFile(tuple(rows), tuple(ids), as_of)
