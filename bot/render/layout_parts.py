"""The parts every reply's layout is made of (``bot.render.layout``): runs of styled
text, lines, sections, buttons and menus, the marks and the verdict line, and the text
helpers that keep a line one line (``one_line``, ``fold``, ``web_link``). Layout text is
plain and unescaped: the mappers escape it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlsplit, urlunsplit

from handlers.replies import (
    Finding,
    Level,
)
from registry.text import clean_text

# A folded reason or summary: its first sentence, and never longer than this.
FOLD_CHARS = 220


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
    # The citation that ends a card's title ("[3]": where its Chinese name is written),
    # apart so that a front end that shortens the title never cuts it.
    title_cite: str = ""

    @property
    def full_title(self) -> str | None:
        if self.title and self.title_cite:
            return f"{self.title} {self.title_cite}"
        return self.title

    def title_within(self, limit: int, cut: Callable[[str, int], str]) -> str:
        """The title in at most ``limit`` characters, ``cut`` shortening the words only."""
        if not self.title_cite:
            return cut(self.title or "", limit)
        return f"{cut(self.title or '', limit - len(self.title_cite) - 1)} {self.title_cite}"

    def lines(self) -> list[str]:
        """The layout as plain lines, the way the terminal prints it (and counts it)."""
        out = [self.full_title] if self.full_title else []
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


LATIN = re.compile(r"[A-Za-z]")
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


def plural(n: int, one: str, many: str | None = None) -> str:
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
