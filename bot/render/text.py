"""The terminal's mapper of ``bot.render.layout`` (``mcf-bot ask``): one printed line per
layout line, links as their URLs at the end of the line."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import urlsplit

from bot.render.layout import (
    KINDS,
    Action,
    Button,
    Layout,
    Line,
    Mark,
    Run,
    Style,
    check_heading,
    layout,
    shown_lines,
    web_link,
)
from handlers.digests import Digest
from handlers.home import HomeReply
from handlers.quick import line_for
from handlers.replies import ErrorReply, Reply
from registry.text import clean_text

__all__ = ["KINDS", "check_heading", "error_line", "render", "terminal_commands", "to_text"]

_MARKS = {Mark.ACTIVE: "● ", Mark.ENDED: "○ ", Mark.BULLET: "- ", Mark.WARNING: "⚠ "}


def _subscribe(match: re.Match[str]) -> str:
    verb = "remove" if match[1] else "add"
    return f"mcf-bot subscriptions {verb}" + (f" --list {match[2]}" if match[2] else "")


# Chat commands a reply may suggest, as the terminal spells them (its commands are
# subcommands; ``mcf-bot ask`` takes the whole text as a name).
_TERMINAL_COMMANDS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"/mcf (un)?subscribe\b(?: ([\w.-]+))?"), _subscribe),
    (re.compile(r"/mcf subscriptions\b"), lambda _: "mcf-bot subscriptions list"),
    (
        re.compile(r"/mcf (un)?watch\b"),
        lambda m: f"mcf-bot subscriptions {'remove' if m[1] else 'add'} --watch",
    ),
    (re.compile(r"/mcf (check|sources)\b"), lambda m: f"mcf-bot {m[1]}"),
    (re.compile(r"/mcf help\b"), lambda _: "mcf-bot --help"),
    (re.compile(r"/mcf\b"), lambda _: "mcf-bot ask"),
)


def terminal_commands(text: str) -> str:
    """``/mcf subscribe us-1260h`` -> ``mcf-bot subscriptions add --list us-1260h``..."""
    for pattern, spelled in _TERMINAL_COMMANDS:
        text = pattern.sub(spelled, text)
    return text


def clean(text: str) -> str:
    return clean_text(text)


def _run(run: Run) -> str:
    if run.style is Style.CHANNEL:
        return f"#{run.text}"
    return run.text


@dataclass(frozen=True)
class Terminal:
    """How the card is printed: plain (a pipe, a file, a test) or for a person at a
    terminal (wrapped at its width, the verdict emphasised unless ``NO_COLOR``)."""

    width: int | None = None  # wrap lines at this many columns; None: never
    emphasis: bool = False  # ANSI bold and colour for the title and the verdict

    @classmethod
    def of(cls, stream: TextIO, env: Mapping[str, str] | None = None) -> Terminal:
        env = os.environ if env is None else env
        if not stream.isatty():
            return cls()
        # https://no-color.org: a NO_COLOR that is set and not empty turns colour off.
        colour = not env.get("NO_COLOR") and env.get("TERM") != "dumb"
        return cls(width=shutil.get_terminal_size().columns, emphasis=colour)


# ANSI: bold red for "listed", bold yellow for "tied", bold for the title and headings.
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
_COLOURS = {Style.ATTENTION: "\x1b[1;31m", Style.WARNING: "\x1b[1;33m", Style.STRONG: _BOLD}
# A short card shows a source's link as host and path, cut at a path segment after about
# this many characters (the full URL: ``--full`` or ``--json``).
SHORT_URL_CHARS = 48


def short_url(url: str) -> str:
    """``https://www.example.gov/documents/2020/12/22/2020-28031/addition...`` ->
    ``example.gov/documents/2020/12/22/2020-28031/…``: readable, and still says where."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    text = host + path
    if len(text) <= SHORT_URL_CHARS:
        return text + ("/" if parts.path.endswith("/") and path else "")
    kept = host
    for segment in path.split("/")[1:]:
        if len(kept) + 1 + len(segment) > SHORT_URL_CHARS - 1:
            break
        kept += "/" + segment
    return kept + "/…"


def _line_text(line: Line, full: bool) -> str:
    text = "".join(_run(r) for r in line.runs)
    # Encoded as every front end links them (a space would cut the URL in a terminal).
    links = [web_link(r.link) or r.link for r in line.runs if r.link]
    urls = [u if full else short_url(u) for u in links]
    if urls:
        text += " " + " ".join(urls)
    if isinstance(line.control, Button) and line.control.action is Action.MORE:
        text += " (--full shows them)"
    return text


# The verdict's colour by its mark: listed red, tied yellow, the other verdicts bold.
_MARK_COLOURS = {
    Mark.LISTED: _COLOURS[Style.ATTENTION],
    Mark.TIED: _COLOURS[Style.WARNING],
    Mark.WARNING: _COLOURS[Style.WARNING],
    Mark.FORMER: _BOLD,
    Mark.NONE: _BOLD,
    Mark.AMBIGUOUS: _BOLD,
}


def line_text(line: Line, indent: str = "") -> str:
    """One layout line as plain text with its whole links (the PDF report's lines)."""
    mark = _MARKS.get(line.mark, "") if line.mark else ""
    return indent + "    " * line.indent + mark + _line_text(line, full=True)


_line = line_text  # the name bot/report_pdf.py imports


def _emphasis(line: Line) -> str | None:
    if line.mark in _MARK_COLOURS:
        return _MARK_COLOURS[line.mark]
    for style in (Style.ATTENTION, Style.WARNING, Style.STRONG):
        if any(r.style is style for r in line.runs):
            return _COLOURS[style]
    return None


# Narrowest text column a wrapped line keeps beside its indent.
MIN_WRAP_COLUMNS = 20


def _wrapped(text: str, prefix: str, width: int | None) -> list[str]:
    """One printed line, or several broken between words with the continuation indented
    under the text: never inside a word or a URL (links stay whole), and counting the
    columns a character takes (a Chinese character takes two)."""
    if width is None:
        return [prefix + text]
    from rich.cells import cell_len

    hanging = " " * cell_len(prefix)
    room = max(width - cell_len(prefix), MIN_WRAP_COLUMNS)
    if cell_len(text) <= room:
        return [prefix + text]
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and cell_len(candidate) > room:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(current)
    return [prefix + out[0], *(hanging + rest for rest in out[1:])]


def _paint(lines: list[str], colour: str | None, terminal: Terminal) -> list[str]:
    if not terminal.emphasis or colour is None:
        return lines
    return [colour + line + _RESET for line in lines]


def to_text(lay: Layout, *, full: bool = False, terminal: Terminal = Terminal()) -> str:
    """The layout as terminal text. Every piece of registry text is cleaned before any
    escape code of ours is added (the cleaner would strip those)."""
    out: list[str] = []
    if lay.full_title:
        out += _paint(_wrapped(clean(lay.full_title), "", terminal.width), _BOLD, terminal)
    for section in lay.sections:
        indent = "  " if (section.heading or section.subtle) and lay.kind != "notice" else ""
        if section.heading:
            heading = clean(terminal_commands(section.heading))
            heading += "" if lay.kind == "notice" else ":"
            out += _paint(_wrapped(heading, "", terminal.width), None, terminal)
            indent = "  "
        for line in shown_lines(section):
            mark = _MARKS.get(line.mark, "") if line.mark else ""
            prefix = indent + "    " * line.indent + mark
            text = clean(terminal_commands(_line_text(line, full)))
            out += _paint(_wrapped(text, prefix, terminal.width), _emphasis(line), terminal)
    return "\n".join(out)


def render(
    reply: Reply | Digest | HomeReply, *, full: bool = False, terminal: Terminal = Terminal()
) -> str:
    """Registry text is made inert at import and in the layout; a terminal gets it
    checked once more, line by line. Chat usage a reply suggests ("Try `/mcf
    subscribe`") is spelled as the terminal's commands."""
    return to_text(layout(reply, full=full, shareable=False), full=full, terminal=terminal)


def error_line(error: ErrorReply) -> str:
    """An error as the terminal prints it: one line, the hint after the message."""
    text = " ".join(x for x in (error.message, error.hint) if x)
    return clean_text(terminal_commands(text).replace("`", ""))


def check_line(query: str, reply: Reply) -> str:
    """One line of ``mcf-bot check``, tab-separated: the query, the verdict, the
    organisation and why (the same verdict as ``/mcf check`` gives in chat)."""
    line = line_for(query, reply)
    fields = [query, line.verdict.words]
    if line.name:
        fields.append(line.label)  # "name (country), as the name that matched"
    if line.detail:  # a "no match" says too that it is no evidence of anything
        fields.append(line.detail)
    # One field each, one line per name, whatever the data holds (tabs, breaks, escapes).
    return "\t".join(clean_text(field) for field in fields)
