"""The terminal's mapper of ``bot.render.layout`` (``mcf-bot ask``): one printed line per
layout line, links as their URLs at the end of the line."""

from __future__ import annotations

import re
from collections.abc import Callable

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
)
from handlers.alerts import Digest
from handlers.home import HomeReply
from handlers.quick import line_for
from handlers.replies import ErrorReply, Reply, Verdict
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


def _run(run: Run) -> str:
    if run.style is Style.CHANNEL:
        return f"#{run.text}"
    return run.text


def _line(line: Line, indent: str) -> str:
    text = "".join(_run(r) for r in line.runs)
    urls = [r.link for r in line.runs if r.link]
    if urls:
        text += " " + " ".join(urls)
    if isinstance(line.control, Button) and line.control.action is Action.MORE:
        text += " (--full shows them)"
    mark = _MARKS.get(line.mark, "") if line.mark else ""
    return indent + "    " * line.indent + mark + text


def to_text(lay: Layout) -> str:
    out = [lay.title] if lay.title else []
    for section in lay.sections:
        indent = "  " if (section.heading or section.subtle) and lay.kind != "notice" else ""
        if section.heading:
            out.append(section.heading + ("" if lay.kind == "notice" else ":"))
            indent = "  "
        out += [_line(line, indent) for line in shown_lines(section)]
    return "\n".join(out)


def render(reply: Reply | Digest | HomeReply, *, full: bool = False) -> str:
    # Registry text is made inert at import and in the layout; a terminal gets it
    # checked once more.
    # Chat usage a reply suggests ("Try `/mcf subscribe`") is spelled as the terminal's.
    text = terminal_commands(to_text(layout(reply, full=full, shareable=False)))
    return clean_text(text, multiline=True)


def error_line(error: ErrorReply) -> str:
    """An error as the terminal prints it: one line, the hint after the message."""
    text = " ".join(x for x in (error.message, error.hint) if x)
    return clean_text(terminal_commands(text).replace("`", ""))


def check_line(query: str, reply: Reply) -> str:
    """One line of ``mcf-bot check``, tab-separated: the query, the verdict, the
    organisation and why (the same verdict as ``/mcf check`` gives in chat)."""
    line = line_for(query, reply)
    fields = [query, line.verdict.value]
    if line.name:
        fields.append(line.label)  # "name (country), as the name that matched"
    if line.detail and line.verdict is not Verdict.NONE:
        fields.append(line.detail)
    # One field each, one line per name, whatever the data holds (tabs, breaks, escapes).
    return "\t".join(clean_text(field) for field in fields)
