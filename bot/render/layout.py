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

This module lays out a card and picks the layout of any reply (``layout``); the parts are
in ``layout_parts``, a card's lines and caps in ``layout_card``, "did you mean" and quick
checks in ``layout_answers``, and every other reply in ``layout_messages``. Their names
are re-exported here for the mappers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.render.layout_answers import (
    MAX_CANDIDATES,
    MAX_LINE_CANDIDATES,
    candidates_layout,
    check_heading,
    check_layout,
    check_line,
)
from bot.render.layout_card import (
    ALIASES_SHOWN,
    FULL,
    SHORTER,
    TIES_SHOWN,
    Caps,
    CardSources,
    designation_lines,
    entry_terms,
    path_lines,
    tie_dates,
    tie_lines,
)
from bot.render.layout_messages import (
    MAX_CHANNEL_LINES,
    digest_layout,
    error_layout,
    graph_layout,
    help_layout,
    home_layout,
    notice_layout,
    sources_layout,
)
from bot.render.layout_parts import (
    FOLD_CHARS,
    LATIN,
    Action,
    Button,
    Layout,
    Line,
    Mark,
    Menu,
    Run,
    Section,
    Style,
    fold,
    one_line,
    shown_lines,
    verdict_line,
    web_link,
)
from handlers.digests import Digest
from handlers.home import HomeReply
from handlers.replies import (
    CheckListReply,
    EntityCard,
    ErrorReply,
    Finding,
    GraphReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
)
from registry.lookup import MatchStatus
from registry.lookup.types import CHOSEN, EXACT_NAME
from registry.views import pinyin

# A card fits a laptop screen or a phone without scrolling back for the verdict.
MAX_CARD_LINES = 30

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


# -- a card -----------------------------------------------------------------------------


def _card_sections(
    card: EntityCard, finding: Finding, caps: Caps, note: str | None, more: Button | None
) -> tuple[str, str, tuple[Section, ...]]:
    """The card's title (its name and its Chinese name), the citation of where that is
    written, and its sections, the sources last."""
    sources = CardSources(card)
    meta = [KINDS.get(card.kind, card.kind)] + ([card.country] if card.country else [])
    aliases = [a for a in card.aliases if a != card.native_name]
    shown = aliases if caps.aliases is None else aliases[: caps.aliases]
    about = ", ".join(one_line(m) for m in meta)
    if shown:
        about += " · also " + "; ".join(one_line(a) for a in shown)
        if len(aliases) > len(shown):
            about += f" (+{len(aliases) - len(shown)})"
    if not LATIN.search(card.name) and not any(LATIN.search(a) for a in card.aliases):
        # No source gives it a Latin-script name: ours, marked as ours (never a translation).
        about += f" · pinyin, our transliteration: {pinyin(card.name)}"
    # The match note right under the name, then the verdict: both within three lines.
    sections = [note_section(note)] if note else []
    sections += [
        Section(None, (verdict_line(finding),)),
        Section(None, (Line((Run(about, Style.SUBTLE),)),), subtle=True),
    ]
    if caps.summary and card.summary:
        summary = fold(card.summary) if caps.fold else one_line(card.summary)
        cite = sources.cite(card.summary_sources)
        sections.append(Section(None, (Line((Run(f"{summary} {cite}"),)),)))
    sections.append(
        Section(
            "Lists",
            tuple(designation_lines(card, caps, sources)),
            empty="This record is on none of the lists checked (see the verdict).",
        )
    )
    if card.owner_path is not None:
        sections.append(Section("Path to the nearest listed owner", path_lines(card, sources)))
    n = len(card.relationships)
    heading = "Ties" if n <= len(card.relationships[: caps.ties or n]) else f"Ties ({n})"
    sections.append(
        Section(heading, tuple(tie_lines(card, caps, sources, more)), empty="None recorded.")
    )
    if card.identifiers and caps.identifiers:
        codes = [
            f"{i.scheme.upper()} {i.value} {sources.cite([i.source] if i.source else [])}".strip()
            for i in card.identifiers
        ]
        sections.append(Section(None, (Line((Run("Identifiers: " + "; ".join(codes)),)),)))
    title, cite = card.name, ""
    if card.native_name:
        # Cited after the sections: the numbers of what they show stay in reading order.
        title += f" ({card.native_name})"
        cite = sources.cite(card.native_name_sources)
    sections.append(Section("Sources", tuple(sources.lines(caps.sources_per_line))))
    return title, cite, tuple(sections)


def note_section(note: str) -> Section:
    """A match note as the card shows it: one subtle line (whatever its length, so a card
    laid out with one note is laid out as with any other)."""
    return Section(None, (Line((Run(one_line(note), Style.SUBTLE),)),), subtle=True)


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
    finding = reply.card_finding
    whole = replace(FULL, ties=max_ties)
    for caps in (whole,) if full else SHORTER:
        title, cite, sections = _card_sections(card, finding, caps, note, more)
        layout = Layout(
            "card",
            one_line(title),
            sections,
            tuple(actions),
            summary=one_line(f"{card.name}: {finding.text}"),
            finding=finding,
            title_cite=cite,
        )
        if full or len(layout.lines()) <= MAX_CARD_LINES:
            return layout
    # Still too long: longer than the budget rather than a rule or a source cut.
    return layout


def layout(
    reply: Reply | Digest | HomeReply,
    *,
    public: bool = False,
    full: bool = False,
    shareable: bool | None = None,
    max_ties: int | None = None,
    note: str | None = None,
) -> Layout:
    """Any reply's layout. ``public``: everyone already sees the answer (a thread), so
    it has no "Share in channel" and its buttons open cards beside it. ``note``: a card's
    match note in place of its own (``bot.render.cache`` renders a stand-in once)."""
    if isinstance(reply, Digest):
        return digest_layout(reply)
    if isinstance(reply, HomeReply):
        return home_layout(reply)
    lay = _reply_layout(
        reply, public=public, full=full, shareable=shareable, max_ties=max_ties, note=note
    )
    if not reply.notes:
        return lay
    # The reply's own notes ("This answer could not be recorded", "a report is made for
    # one organisation"), after the answer, in every front end.
    notes = Section(None, tuple(Line((Run(n, Style.SUBTLE),)) for n in reply.notes), subtle=True)
    return replace(lay, sections=(*lay.sections, notes))


def _reply_layout(
    reply: Reply,
    *,
    public: bool,
    full: bool,
    shareable: bool | None,
    max_ties: int | None,
    note: str | None,
) -> Layout:
    body = reply.body
    share = not public if shareable is None else shareable
    if isinstance(body, LookupReply):
        if body.status is MatchStatus.MATCH and body.card is not None:
            return card_layout(body, full=full, shareable=share, max_ties=max_ties, note=note)
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

# The names the mappers and tests import from here (the parts and the other layouts are
# defined beside this module).
__all__ = [
    "ALIASES_SHOWN",
    "FOLD_CHARS",
    "KINDS",
    "MAX_CANDIDATES",
    "MAX_CARD_LINES",
    "MAX_CHANNEL_LINES",
    "MAX_LINE_CANDIDATES",
    "TIES_SHOWN",
    "Action",
    "Button",
    "Layout",
    "Line",
    "Mapper",
    "Mark",
    "Menu",
    "Run",
    "Section",
    "Style",
    "candidates_layout",
    "card_layout",
    "check_heading",
    "check_layout",
    "check_line",
    "digest_layout",
    "entry_terms",
    "error_layout",
    "fold",
    "graph_layout",
    "help_layout",
    "home_layout",
    "layout",
    "match_note",
    "note_section",
    "notice_layout",
    "one_line",
    "shown_lines",
    "sources_layout",
    "tie_dates",
    "verdict_line",
    "web_link",
]
