"""Every reply laid out once, for every front end.

A ``Layout`` is what a reader sees, in order: a title, sections of lines, each line a
few runs of text with a style and an optional link, buttons and menus, the text shown
when a section is empty, and the caps (how many ties, how long a reason). The front ends
are mappers of this one layout: ``text`` (the terminal), ``slack`` (Block Kit),
``adaptive`` (Teams) own only their markup, escaping and size limits; ``json`` is the
stable data shape and shares the verdict (``handlers.verdict``). Layout text is plain and
unescaped: registry text stays untrusted until a mapper escapes it.

A card is at most ``MAX_CARD_LINES`` lines (title, notes, verdict, headings and lines,
as the terminal prints them): name and native name, the match note, the verdict, the
lists with what each listing means and as of which edition, the strongest ties, the
identifiers and the sources of what is shown, numbered in the order they are cited.
``full`` shows everything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from urllib.parse import quote, urlsplit, urlunsplit

from handlers import verdict as verdicts
from handlers.alerts import Digest
from handlers.home import HomeReply
from handlers.replies import (
    CheckLine,
    CheckListReply,
    EntityCard,
    ErrorReply,
    Finding,
    GraphReply,
    HelpReply,
    Level,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
    Verdict,
    edition_words,
)
from registry.lookup import MatchStatus
from registry.lookup.types import CHOSEN, EXACT_NAME
from registry.text import clean_text
from registry.views import pinyin, strongest_restriction

# A card fits a laptop screen or a phone without scrolling back for the verdict.
MAX_CARD_LINES = 30
# The strongest ties a short card shows (ties to listed bodies first); the rest sit
# behind "N more ties" (a button in chat, ``--full`` in the terminal).
TIES_SHOWN = 5
ALIASES_SHOWN = 3  # on the card's second line, beside kind and country
MAX_CANDIDATES = 5  # "did you mean" buttons
# A folded reason or summary: its first sentence, and never longer than this.
FOLD_CHARS = 220

KINDS = {
    "company": "company",
    "university": "university",
    "research_institute": "research institute",
    "military_unit": "military unit",
    "state_owned_group": "state-owned group",
    "government_body": "government body",
    "programme": "programme",
    "other": "organisation",
}


class Style(StrEnum):
    PLAIN = "plain"
    STRONG = "strong"
    SUBTLE = "subtle"
    EMPHASIS = "emphasis"
    ATTENTION = "attention"  # the listed verdict (red where a platform has colour)
    WARNING = "warning"  # the tied verdict (orange)
    CODE = "code"  # our own words with `code` spans: usage text, never registry data
    CHANNEL = "channel"  # a chat channel id, shown as a channel where the platform can


class Mark(StrEnum):
    """A marker before a line; each platform draws its own (emoji, a dot, nothing)."""

    LISTED = "listed"
    TIED = "tied"
    FORMER = "former"
    KNOWN = "known"
    AMBIGUOUS = "ambiguous"
    NONE = "none"
    WARNING = "warning"
    ALERT = "alert"
    ACTIVE = "active"  # a current listing
    ENDED = "ended"  # an ended listing
    BULLET = "bullet"  # an item of a list (ties, digest entries, notices)


class Action(StrEnum):
    SHARE = "share"  # post this card to the channel (value: entity id)
    PICK = "pick"  # "did you mean": replace the answer with this card (entity id)
    CARD = "card"  # open a card beside the message (entity id)
    MORE = "more"  # the same card with every tie (entity id)
    SHARE_LIST = "share_list"  # post this check list to the channel (value: share key)
    GRAPH = "graph"  # a picture of this organisation's network (entity id)


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    style: Style = Style.PLAIN
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action
    value: str


@dataclass(frozen=True, slots=True)
class Menu:
    """Several cards to choose from, on one line (a menu, or a few buttons)."""

    placeholder: str
    action: Action
    options: tuple[tuple[str, str], ...]  # (value, label)


@dataclass(frozen=True, slots=True)
class Line:
    runs: tuple[Run, ...]
    mark: Mark | None = None
    indent: int = 0  # 1: a detail under the line before it
    control: Button | Menu | None = None  # beside this line
    keys: tuple[int, ...] = ()  # what the line answers for (a digest's change ids)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None  # may be registry text (a list's name): mappers escape it
    lines: tuple[Line, ...]
    empty: str | None = None  # shown instead of lines when there are none
    subtle: bool = False  # notes under a title (context in Slack, subtle in Teams)
    rows: bool = False  # one answer per line (a check list): each line a row of its own


@dataclass(frozen=True, slots=True)
class Layout:
    kind: str  # card | candidates | check | digest | home | help | error | notice
    title: str | None
    sections: tuple[Section, ...]
    actions: tuple[Button, ...] = ()
    summary: str = ""  # one plain line: notifications, screen readers, fallbacks
    finding: Finding | None = None  # the verdict, for answers about one organisation

    def lines(self) -> list[str]:
        """The layout as plain lines, the way the terminal prints it (and counts it)."""
        out = [self.title] if self.title else []
        for section in self.sections:
            if section.heading:
                out.append(section.heading)
            out += [("  " * line.indent) + line.text for line in shown_lines(section)]
        return out


def shown_lines(section: Section) -> tuple[Line, ...]:
    """A section's lines, or its empty-state line."""
    if section.lines or section.empty is None:
        return section.lines
    return (Line((Run(section.empty, Style.SUBTLE),)),)


def one_line(text: str | None) -> str:
    """Registry text made inert for every front end (``registry.text.clean_text``, the
    one sanitiser): on one line, without escapes, control or format characters."""
    return clean_text(text or "")


# What a link target keeps as it is: RFC 3986's reserved and unreserved characters, and
# "%" (an escape already made). Anything else -- a space, quotes, ``<>|{}^`\``, non-ASCII
# -- is percent-encoded, so the URL is one unbroken token for Slack, Teams and terminals.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def web_link(url: str | None) -> str | None:
    """A source's URL as a link target for every front end: ``http(s)`` with a host,
    percent-encoded where it must be (a space cut Slack's links and made Teams drop
    them); None for anything else (``javascript:``, ``mailto:``, no host)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # an unclosed "[" or a bad port: not a link
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    netloc = parts.netloc
    if not netloc.isascii():
        try:
            netloc = netloc.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    path, query, fragment = (quote(x, safe=_URL_SAFE) for x in parts[2:])
    return urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))


_LATIN = re.compile(r"[A-Za-z]")
_ABBREVIATIONS = frozenset({"co", "corp", "inc", "ltd", "no", "nos", "st", "jr", "dr", "mr"})
_SENTENCE_END = re.compile(r"(?<=[\w)\]”\"’])\.\s+(?=[A-Z“\"(])")


def fold(text: str | None, limit: int = FOLD_CHARS) -> str:
    """The first sentence of a long text, at most ``limit`` characters."""
    text = one_line(text)
    for match in _SENTENCE_END.finditer(text):
        word = text[: match.start()].rsplit(" ", 1)[-1].casefold()
        if word.rstrip(".") in _ABBREVIATIONS or len(word) <= 1:
            continue
        text = text[: match.start() + 1]
        break
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# -- the verdict ------------------------------------------------------------------------

_LEVEL_MARKS = {
    Level.LISTED: Mark.LISTED,
    Level.TIED: Mark.TIED,
    Level.FORMER: Mark.FORMER,
    Level.TRACKED: Mark.KNOWN,
    Level.NOT_LISTED: Mark.KNOWN,
    Level.NO_MATCH: Mark.NONE,
    Level.AMBIGUOUS: Mark.AMBIGUOUS,
    Level.ERROR: Mark.WARNING,
}


def verdict_line(finding: Finding) -> Line:
    mark = _LEVEL_MARKS[finding.level]
    return Line((Run(one_line(finding.text), Style.STRONG),), mark=mark)


# -- a card -----------------------------------------------------------------------------


@dataclass
class _Sources:
    """Sources numbered in the order the layout cites them (JSON keeps the card's own
    numbers), so a short card lists exactly the sources of what it shows."""

    card: EntityCard
    order: dict[tuple[str, ...] | int, int] = field(default_factory=dict)  # -> shown number

    def _number(self, key: tuple[str, ...] | int) -> str:
        return f"[{self.order.setdefault(key, len(self.order) + 1)}]"

    def cite(self, numbers: Iterable[int]) -> str:
        return "".join(self._number(n) for n in dict.fromkeys(numbers))

    def cite_link(self, title: str, url: str, publisher: str) -> str:
        return self._number((title, url, publisher))

    def lines(self, per_line: int = 1) -> list[Line]:
        """One line per source, or ``per_line`` to a line on a card short of room (the
        sources fold before any legal meaning does)."""
        by_number = {s.number: s for s in self.card.sources}
        runs: list[tuple[Run, ...]] = []
        for key, shown in self.order.items():
            if isinstance(key, int):
                s = by_number[key]
                title, url, date, publisher = s.title, s.url, s.date, s.publisher
            else:
                (title, url, publisher), date = key, None
            when = f", {date}" if date else ""
            runs.append(
                (
                    Run(f"[{shown}] "),
                    Run(one_line(title), link=url),
                    Run(f" ({one_line(publisher)}{when})", Style.SUBTLE),
                )
            )
        lines = []
        for i in range(0, len(runs), per_line):
            group = runs[i : i + per_line]
            joined = [
                r for j, source in enumerate(group) for r in ((Run(" · "),) if j else ()) + source
            ]
            lines.append(Line(tuple(joined)))
        return lines


@dataclass(frozen=True)
class _Caps:
    """What a card shows. Legal meaning is never capped: every listing with legal effect
    keeps its "Means" line, its entry's terms whole and its stated reason (first sentence
    on a short card); a card short of room gives up the summary, the long form of the
    means, ties, a tracker's means and identifiers, and lists several sources a line."""

    ties: int | None = TIES_SHOWN  # None: all
    tie_summaries: int | None = 1  # the first ties' summaries (what the source says)
    summary: bool = True
    aliases: int | None = ALIASES_SHOWN
    fold: bool = True
    short_effects: bool = False  # the catalogue's short form of what a listing means
    tracker_effects: bool = True  # a research tracker's "Means" (it has no legal effect)
    identifiers: bool = True
    sources_per_line: int = 1


# Tried in order until the card fits MAX_CARD_LINES: what a short card gives up first.
_SHORTER = (
    _Caps(),
    _Caps(summary=False),
    _Caps(summary=False, tie_summaries=0),
    _Caps(summary=False, tie_summaries=0, short_effects=True),
    _Caps(ties=3, tie_summaries=0, summary=False, short_effects=True),
    _Caps(ties=1, tie_summaries=0, summary=False, short_effects=True),
    _Caps(ties=1, tie_summaries=0, summary=False, short_effects=True, sources_per_line=2),
    _Caps(
        ties=1,
        tie_summaries=0,
        summary=False,
        short_effects=True,
        sources_per_line=3,
        tracker_effects=False,
    ),
    _Caps(
        ties=1,
        tie_summaries=0,
        summary=False,
        short_effects=True,
        sources_per_line=4,
        tracker_effects=False,
        identifiers=False,
    ),
)
_FULL = _Caps(ties=None, tie_summaries=None, aliases=None, fold=False)


def _designation_lines(card: EntityCard, caps: _Caps, sources: _Sources) -> list[Line]:
    lines: list[Line] = []
    steps: list[tuple[str, str, str]] = []
    for d in card.designations:
        when = d.status
        if d.edition:
            when += f" · {d.edition} edition"
        about = []
        if d.category:
            about.append(f"category: {d.category}")
        if d.risk:
            about.append(f"risk: {d.risk}")
        if about:
            when += " · " + ", ".join(about)
        # Every number is given here, for what this card shows (the start's source, the
        # editions read, the end's source).
        cited = [d.source, *d.citations, *([d.end_source] if d.end_source else [])]
        lines.append(
            Line(
                (
                    Run(one_line(d.list_name.split(" (category: ")[0]), Style.STRONG),
                    Run(f": {when} {sources.cite(cited)}"),
                ),
                mark=Mark.ACTIVE if d.active else Mark.ENDED,
            )
        )
        effect = d.effect_short if caps.short_effects and d.effect_short else d.effect
        if effect and d.active and (d.legal or caps.tracker_effects):
            # Our own one-line words (the catalogue's): never folded.
            lines.append(Line((Run(f"Means: {one_line(effect)}", Style.SUBTLE),), indent=1))
        terms = entry_terms(d.licence_requirement, d.licence_policy)
        if terms and d.active:  # this entry's own legal meaning: whole, on every card
            lines.append(Line(tuple(Run(t, Style.SUBTLE) for t in terms), indent=1))
        if d.programmes and d.active:  # which sanctions programme (SDN codes)
            text = f"Sanctions programme: {one_line(d.programmes)}"
            lines.append(Line((Run(text, Style.SUBTLE),), indent=1))
        if d.reason:
            # The stated reason: its first sentence on a short card, never cut inside it.
            reason = fold(d.reason, limit=len(d.reason) + 1) if caps.fold else one_line(d.reason)
            cite = ""
            if d.reason_source is not None and d.reason_source != d.source:
                cite = " " + sources.cite([d.reason_source])
            lines.append(Line((Run(f"Reason given: {reason}{cite}", Style.EMPHASIS),), indent=1))
        if d.active and d.next_step and d.next_step_url:
            steps.append((d.next_step, d.next_step_url, d.label))
    for title, url, label in dict.fromkeys(steps):
        ref = sources.cite_link(title, url, f"next step for the {label}")
        lines.append(Line((Run("Next step: ", Style.STRONG), Run(f"{title} {ref}"))))
    return lines


def entry_terms(requirement: str | None, policy: str | None) -> tuple[str, ...]:
    """The entry's own terms (the Entity List's licence review policy and licence
    requirement), whole, as the list states them, one run each: a legal rule is never cut
    before its point. The strongest restriction the policy states is named first."""
    parts: list[str] = []
    if policy:
        strongest = strongest_restriction(policy)
        lead = f"{strongest[0].upper()}{strongest[1:]}; " if strongest else ""
        parts += [f"Review policy: {lead}as listed: ", one_line(policy)]
    if requirement:
        parts += [" · " if parts else "", "Licence required: ", one_line(requirement)]
    return tuple(p for p in parts if p)


def tie_dates(start: str | None, end: str | None) -> str:
    """A tie's dates as the source gives them: one date for a one-off event (a notice, a
    contract), never "onwards" for what the source does not say goes on."""
    if not start and not end:
        return ""
    if start == end:
        return f" ({start})"
    if start and end:
        return f" ({start}–{end})"
    return f" (from {start})" if start else f" (until {end})"


def _tie_lines(card: EntityCard, caps: _Caps, sources: _Sources, more: Button | None) -> list[Line]:
    ties = card.relationships if caps.ties is None else card.relationships[: caps.ties]
    lines: list[Line] = []
    for i, r in enumerate(ties):
        listed = f" (listed: {', '.join(r.other_lists)})" if r.other_lists else ""
        if r.other_tracked:  # a tracker is no listing (``handlers.verdict``)
            listed += f" (tracked: {', '.join(r.other_tracked)})"
        when = tie_dates(r.start, r.end)
        if r.other_english:
            listed = f" ({one_line(r.other_english)}){listed}"
        elif r.other_pinyin:
            listed = f" (pinyin, our transliteration: {r.other_pinyin}){listed}"
        lines.append(
            Line(
                (
                    Run(f"{r.sentence} "),
                    Run(one_line(r.other_name), Style.STRONG),
                    Run(f"{listed}{when} {sources.cite(r.sources)}"),
                ),
                mark=Mark.BULLET,
            )
        )
        if r.summary and (caps.tie_summaries is None or i < caps.tie_summaries):
            lines.append(Line((Run(one_line(r.summary), Style.SUBTLE),), indent=1))
    hidden = len(card.relationships) - len(ties)
    if hidden > 0:
        # On a whole card, ties are left off only where the platform's message size
        # says so (``max_ties``): then no button would show more.
        tail = "" if more else ", too many for one message"
        text = f"{_plural(hidden, 'more tie')}{tail}"
        lines.append(Line((Run(text, Style.SUBTLE),), control=more))
    return lines


def _path_lines(card: EntityCard, sources: _Sources) -> tuple[Line, ...]:
    """Each hop with its sources, the listings it ends at, and the catalogue's ownership
    rules for an ownership path (kept on every card: a legal rule is never cut)."""
    path = card.owner_path
    assert path is not None
    lines = [
        Line(
            (
                Run(f"{one_line(hop.from_name)} is {hop.words} "),
                Run(one_line(hop.to_name), Style.STRONG),
                Run(f" {sources.cite(hop.sources)}"),
            ),
            mark=Mark.BULLET,
            indent=min(i, 1),
        )
        for i, hop in enumerate(path.hops)
    ]
    lines.append(Line((Run(f"{one_line(path.owner_name)}: {path.listing_words()}"),), indent=1))
    today = dt.date.today().isoformat()
    for rule in path.rules:
        cited = sources.cite_link(rule.source.title, rule.source.url, rule.authority)
        status = sources.cite_link(rule.status_source.title, rule.status_source.url, rule.authority)
        text = (
            f"{rule.name} {cited}: {rule.effect}. Status in our catalogue: {rule.status} "
            f"since {rule.status_date} {status}"
        )
        if rule.status_note:
            text += f"; {rule.status_note}"
        if rule.stale(today):
            text += f". That date ({rule.status_until}) has passed: check the rule's current status"
        text += ". Our data does not state ownership shares."
        lines.append(Line((Run(text, Style.EMPHASIS),), mark=Mark.WARNING))
    return tuple(lines)


def _card_sections(
    card: EntityCard, caps: _Caps, note: str | None, more: Button | None
) -> tuple[Section, ...]:
    sources = _Sources(card)
    meta = [KINDS.get(card.kind, card.kind)] + ([card.country] if card.country else [])
    aliases = [a for a in card.aliases if a != card.native_name]
    shown = aliases if caps.aliases is None else aliases[: caps.aliases]
    about = ", ".join(one_line(m) for m in meta)
    if shown:
        about += " · also " + "; ".join(one_line(a) for a in shown)
        if len(aliases) > len(shown):
            about += f" (+{len(aliases) - len(shown)})"
    if not _LATIN.search(card.name) and not any(_LATIN.search(a) for a in card.aliases):
        # No source gives it a Latin-script name: ours, marked as ours (never a translation).
        about += f" · pinyin, our transliteration: {pinyin(card.name)}"
    # The match note right under the name, then the verdict: both within three lines.
    sections = []
    if note:
        sections.append(Section(None, (Line((Run(one_line(note), Style.SUBTLE),)),), subtle=True))
    sections += [
        Section(None, (verdict_line(verdicts.of_card(card)),)),
        Section(None, (Line((Run(about, Style.SUBTLE),)),), subtle=True),
    ]
    if caps.summary and card.summary:
        summary = fold(card.summary) if caps.fold else one_line(card.summary)
        cite = sources.cite(card.summary_sources)
        sections.append(Section(None, (Line((Run(f"{summary} {cite}"),)),)))
    sections.append(
        Section(
            "Lists",
            tuple(_designation_lines(card, caps, sources)),
            empty="This record is on none of the lists checked (see the verdict).",
        )
    )
    if card.owner_path is not None:
        sections.append(Section("Path to the nearest listed owner", _path_lines(card, sources)))
    n = len(card.relationships)
    heading = "Ties" if n <= len(card.relationships[: caps.ties or n]) else f"Ties ({n})"
    sections.append(
        Section(heading, tuple(_tie_lines(card, caps, sources, more)), empty="None recorded.")
    )
    if card.identifiers and caps.identifiers:
        codes = [
            f"{i.scheme.upper()} {i.value} {sources.cite([i.source] if i.source else [])}".strip()
            for i in card.identifiers
        ]
        sections.append(Section(None, (Line((Run("Identifiers: " + "; ".join(codes)),)),)))
    sections.append(Section("Sources", tuple(sources.lines(caps.sources_per_line))))
    return tuple(sections)


def match_note(reply: LookupReply) -> str | None:
    if reply.how is not None and reply.how not in (EXACT_NAME, CHOSEN):
        return f"matched “{one_line(reply.matched_on)}”: {reply.how}"
    return None


def card_layout(
    reply: LookupReply,
    *,
    full: bool = False,
    shareable: bool = True,
    note: str | None = None,
    max_ties: int | None = None,
) -> Layout:
    """One organisation's card; short (``MAX_CARD_LINES``) unless ``full``.
    ``max_ties``: a platform's own cap on a full card (a Teams message's size)."""
    card = reply.card
    assert card is not None
    note = note or match_note(reply)
    full = full or reply.full
    more = (
        None
        if full
        else Button(f"Show all {len(card.relationships)} ties", Action.MORE, str(card.id))
    )
    actions = [Button("Share in channel", Action.SHARE, str(card.id))] if shareable else []
    if card.relationships:  # a picture of one box says nothing
        actions.append(Button("Show network", Action.GRAPH, str(card.id)))
    title = card.name + (f" ({card.native_name})" if card.native_name else "")
    finding = verdicts.of_card(card)
    whole = replace(_FULL, ties=max_ties)
    for caps in (whole,) if full else _SHORTER:
        layout = Layout(
            "card",
            one_line(title),
            _card_sections(card, caps, note, more),
            tuple(actions),
            summary=one_line(f"{card.name}: {finding.text}"),
            finding=finding,
        )
        if full or len(layout.lines()) <= MAX_CARD_LINES:
            return layout
    # Still too long: longer than the budget rather than a rule or a source cut.
    return layout


# -- the other answers to a lookup ------------------------------------------------------


def candidates_layout(reply: LookupReply, *, public: bool = False) -> Layout:
    """ "Did you mean" (or no match, with the closest names): the verdict, then one
    button per candidate."""
    action = Action.CARD if public else Action.PICK
    finding = verdicts.of_lookup(reply)
    sections = [Section(None, (verdict_line(finding),))]
    lines = [
        Line(
            (
                Run(one_line(c.name), Style.STRONG),
                Run(f": matched “{one_line(c.matched_on)}” ({c.how})", Style.SUBTLE),
            ),
            mark=Mark.BULLET,
        )
        for c in reply.candidates[:MAX_CANDIDATES]
    ]
    if lines:
        heading = "Closest names" if reply.status is MatchStatus.NONE else "Did you mean"
        sections.append(Section(heading, tuple(lines)))
    buttons = tuple(
        Button(one_line(c.name), action, str(c.id)) for c in reply.candidates[:MAX_CANDIDATES]
    )
    return Layout(
        "candidates",
        None,
        tuple(sections),
        buttons,
        summary=one_line(finding.text),
        finding=finding,
    )


# -- quick checks -----------------------------------------------------------------------

_CHECK_MARKS = {
    Verdict.LISTED: (Mark.LISTED, Style.ATTENTION),
    Verdict.TIED: (Mark.TIED, Style.WARNING),
    Verdict.FORMER: (Mark.FORMER, Style.PLAIN),
    Verdict.TRACKED: (Mark.KNOWN, Style.PLAIN),
    Verdict.KNOWN: (Mark.KNOWN, Style.PLAIN),
    Verdict.AMBIGUOUS: (Mark.AMBIGUOUS, Style.PLAIN),
    Verdict.NONE: (Mark.NONE, Style.PLAIN),
    Verdict.ERROR: (Mark.WARNING, Style.PLAIN),
}
MAX_LINE_CANDIDATES = 5  # cards offered beside one "did you mean" line


def check_heading(reply: CheckListReply) -> str:
    """ "4 names checked: 3 listed, 1 not found" / "2 organisations named in the message"."""
    if reply.found_in_message:
        n = len(reply.lines) + reply.omitted
        if not n:
            return "No organisation in the registry is named in this message."
        head = f"{_plural(n, 'organisation')} from the registry named in the message"
    else:
        head = f"{_plural(len(reply.lines), 'name')} checked"
    counts = [f"{reply.count(v)} {v.value}" for v in Verdict if reply.count(v)]
    shown = f" (the first {len(reply.lines)} shown)" if reply.omitted else ""
    return f"{head}{shown}: " + ", ".join(counts)


def check_line(line: CheckLine, action: Action = Action.CARD) -> Line:
    """What was asked (bold), what it is, and the verdict with its reason."""
    mark, style = _CHECK_MARKS[line.verdict]
    runs = [Run(one_line(line.query), Style.STRONG)]
    if line.after_query:
        # " → Baidu, Inc. (CN)", or only the country when the name is what was asked.
        after = line.after_query
        runs.append(Run(after[: len(after) - len(after.lstrip())] + one_line(after)))
    runs.append(Run(f": {line.reason(one_line(line.detail))}", style))
    if line.shows_how:
        runs.append(Run(f" ({line.how})", Style.SUBTLE))
    control: Button | Menu | None = None
    if line.entity_id is not None:
        control = Button("Card", action, str(line.entity_id))
    elif line.candidates:
        options = dict.fromkeys((str(c.id), one_line(c.name)) for c in line.candidates)
        control = Menu("Did you mean…", action, tuple(options)[:MAX_LINE_CANDIDATES])
    return Line(tuple(runs), mark=mark, control=control)


def check_layout(reply: CheckListReply, *, shareable: bool = True) -> Layout:
    share = None
    if shareable and reply.share_key and reply.lines:
        share = Button("Share in channel", Action.SHARE_LIST, reply.share_key)
    heading = check_heading(reply)
    lines = [Line((Run(heading, Style.STRONG),), control=share)]
    lines += [check_line(x) for x in reply.lines]
    if reply.omitted:
        more = f"…and {reply.omitted} more. Ask about one with `/mcf <name>`."
        lines.append(Line((Run(more, Style.CODE),)))
    return Layout("check", None, (Section(None, tuple(lines), rows=True),), summary=heading)


# -- digests and watch alerts -----------------------------------------------------------


def digest_layout(digest: Digest) -> Layout:
    sections = []
    for section in digest.sections:
        lines = []
        for entry in section.entries:
            runs = [Run(one_line(entry.name), Style.STRONG), Run(f": {one_line(entry.detail)}")]
            if entry.url:
                runs += [Run(" · "), Run("source", link=entry.url)]
            lines.append(Line(tuple(runs), mark=Mark.BULLET, keys=entry.change_ids))
        sections.append(Section(one_line(section.heading), tuple(lines)))
    headings = "; ".join(s.heading for s in digest.sections)
    return Layout(
        "digest",
        one_line(digest.title),
        tuple(sections),
        summary=one_line(f"{digest.title}: {headings}"),
    )


# -- App Home ---------------------------------------------------------------------------

MAX_CHANNEL_LINES = 20


def home_layout(home: HomeReply) -> Layout:
    how = Section(
        "Quick checks", tuple(Line((Run(h, Style.CODE),), mark=Mark.BULLET) for h in home.how_to)
    )
    changes = []
    for c in home.changes:
        runs = [
            Run(c.date, Style.SUBTLE),
            Run(" "),
            Run(one_line(c.name), Style.STRONG),
            Run(f": {one_line(c.what)}"),
        ]
        if c.source_url:
            runs += [Run(" · "), Run(one_line(c.source_title or "source"), link=c.source_url)]
        elif c.source_title:
            runs += [Run(" · "), Run(one_line(c.source_title), Style.EMPHASIS)]
        changes.append(Line(tuple(runs), mark=Mark.BULLET))
    recent = Section(
        "Recent registry changes, last 20, newest first",
        tuple(changes),
        empty="Nothing recorded yet.",
    )
    alerts: list[Line] = []
    if not home.channels_known:
        note = one_line(home.channels_note) or "I could not list your channels."
        alerts.append(Line((Run(note),)))
    for ch in home.channels:
        alerts.append(Line((Run(one_line(ch.channel_id), Style.CHANNEL),)))
        alerts += [
            Line((Run(one_line(x)),), mark=Mark.BULLET, indent=1)
            for x in ch.lines[:MAX_CHANNEL_LINES]
        ]
    empty = "None of your channels has alerts. In a channel, try `/mcf subscribe`."
    channels = Section("Alerts in your channels", tuple(alerts), empty=empty)
    sections = [how, recent, channels]
    if home.sync_failures:
        # For the operator who opens the Home tab; never posted to channels.
        failing = tuple(
            Line((Run(one_line(x)),), mark=Mark.WARNING) for x in home.sync_failures[:10]
        )
        sections.insert(
            1, Section("List updates are failing (the registry may be out of date)", failing)
        )
    return Layout("home", None, tuple(sections), summary="mcf-bot home")


# -- help, errors, notices --------------------------------------------------------------


def help_layout(reply: HelpReply) -> Layout:
    lines = [Line((Run(one_line(reply.hint)),))] if reply.hint else []
    lines += [Line((Run(x, Style.CODE),)) for x in reply.lines]
    return Layout("help", None, (Section(None, tuple(lines)),), summary="mcf-bot help")


def error_layout(reply: ErrorReply) -> Layout:
    lines = [Line((Run(one_line(reply.message), Style.STRONG),), mark=Mark.WARNING)]
    if reply.hint:
        lines.append(Line((Run(one_line(reply.hint)),)))
    return Layout("error", None, (Section(None, tuple(lines)),), summary=one_line(reply.message))


def notice_layout(reply: NoticeReply) -> Layout:
    lines = [Line((Run(one_line(x)),), mark=Mark.BULLET) for x in reply.lines]
    return Layout(
        "notice",
        None,
        (Section(one_line(reply.text), tuple(lines)),),
        summary=one_line(reply.text),
    )


def sources_layout(reply: SourcesReply) -> Layout:
    """``/mcf sources`` and ``mcf-bot sources``: a section per list, what it means, what
    is loaded of it and under which licence."""
    sections = []
    for view in reply.lists:
        loaded = (
            f"Loaded: {edition_words(view.edition, view.parties)}; {view.copy_words()}; "
            f"{view.listed_now:,} organisations listed now, {view.parties:,} ever; "
            f"last import {view.last_import or 'never'}"
        )
        chinese = (
            f"Chinese names: {view.chinese_names:,} of {view.parties:,} organisations have one "
            "that a source writes"
        )
        lines: tuple[Line, ...] = (
            Line(
                (
                    Run(one_line(view.authority) + "; "),
                    Run(one_line(view.legal_basis), link=view.legal_basis_url),
                )
            ),
            Line((Run("What a listing means: " + one_line(view.effect)),)),
            Line((Run(loaded),)),
            Line((Run(chinese),)),
            Line((Run("Data licence: " + one_line(view.licence)),)),
        )
        if view.out_of_scope:
            lines += (Line((Run(one_line(view.scope_words())),)),)
        if view.rhythm:
            lines += (Line((Run("Publisher's rhythm: " + one_line(view.rhythm)),)),)
        if view.stale:
            lines += (Line((Run("Stale: " + one_line(view.stale), Style.WARNING),)),)
        if view.held:
            lines += (Line((Run("Held: " + one_line(view.held), Style.WARNING),)),)
        if view.sync is not None:
            lines += tuple(
                Line((Run("Synced from the publisher's file:", link=url),))
                for url in view.sync.urls
            )
            sync = f"Sync: {view.sync.words()}; edition {view.sync.edition or '-'}"
            lines += (Line((Run(one_line(sync)),)),)
        sections.append(Section(f"{one_line(view.name)} ({view.id})", lines))
    for rule in reply.rules:
        status = f"Status: {rule.status} since {rule.status_date}"
        if rule.status_note:
            status += f"; {rule.status_note}"
        rule_lines = (
            Line(
                (Run(one_line(rule.authority) + "; "), Run(rule.source.title, link=rule.source.url))
            ),
            Line(
                (
                    Run(
                        f"What it does: {rule.effect}; applies to parties of "
                        + ", ".join(rule.applies_to)
                    ),
                )
            ),
            Line(
                (
                    Run(f"{status} ("),
                    Run(rule.status_source.title, link=rule.status_source.url),
                    Run(")"),
                )
            ),
        )
        sections.append(Section(f"Ownership rule: {rule.name} ({rule.id})", rule_lines))
    title = reply.title
    return Layout("notice", title, tuple(sections), summary=title)


def graph_layout(reply: GraphReply) -> Layout:
    """A network picture's words: its caption and every organisation it shows (the
    picture's alt text, and the answer where no picture can be shown)."""
    net = reply.network
    lines = []
    for node in net.nodes:
        runs = [Run(one_line(node.name), Style.STRONG)]
        if node.native_name:
            runs.append(Run(f" ({one_line(node.native_name)})"))
        if node.lists:
            runs.append(Run(f": listed on {', '.join(node.lists)}", Style.ATTENTION))
        lines.append(Line(tuple(runs), mark=Mark.BULLET))
    title = f"Network of {one_line(reply.name)}"
    return Layout(
        "graph",
        title,
        (
            Section(None, (Line((Run(one_line(net.caption()), Style.SUBTLE),)),), subtle=True),
            Section(f"{_plural(len(net.nodes), 'organisation')} shown", tuple(lines)),
        ),
        summary=one_line(net.alt_text()),
    )


def layout(
    reply: Reply | Digest | HomeReply,
    *,
    public: bool = False,
    full: bool = False,
    shareable: bool | None = None,
    max_ties: int | None = None,
) -> Layout:
    """Any reply's layout. ``public``: everyone already sees the answer (a thread), so
    it has no "Share in channel" and its buttons open cards beside it."""
    if isinstance(reply, Digest):
        return digest_layout(reply)
    if isinstance(reply, HomeReply):
        return home_layout(reply)
    lay = _reply_layout(reply, public=public, full=full, shareable=shareable, max_ties=max_ties)
    if not reply.notes:
        return lay
    # The reply's own notes ("This answer could not be recorded", "a report is made for
    # one organisation"), after the answer, in every front end.
    notes = Section(None, tuple(Line((Run(n, Style.SUBTLE),)) for n in reply.notes), subtle=True)
    return replace(lay, sections=(*lay.sections, notes))


def _reply_layout(
    reply: Reply, *, public: bool, full: bool, shareable: bool | None, max_ties: int | None
) -> Layout:
    body = reply.body
    share = not public if shareable is None else shareable
    if isinstance(body, LookupReply):
        if body.status is MatchStatus.MATCH and body.card is not None:
            return card_layout(body, full=full, shareable=share, max_ties=max_ties)
        return candidates_layout(body, public=public)
    if isinstance(body, CheckListReply):
        return check_layout(body, shareable=share)
    if isinstance(body, HelpReply):
        return help_layout(body)
    if isinstance(body, ErrorReply):
        return error_layout(body)
    if isinstance(body, NoticeReply):
        return notice_layout(body)
    if isinstance(body, SourcesReply):
        return sources_layout(body)
    if isinstance(body, GraphReply):
        return graph_layout(body)
    raise TypeError(f"no layout for {type(body).__name__}")


Mapper = Callable[[Layout], object]
