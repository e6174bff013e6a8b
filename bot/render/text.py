"""The terminal's mapper of ``bot.render.layout`` (``mcf-bot ask``): one printed line per
layout line, links as their URLs at the end of the line."""

from __future__ import annotations

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
from handlers.replies import Reply
from registry.text import clean_text

__all__ = ["KINDS", "check_heading", "render", "to_text"]

_MARKS = {Mark.ACTIVE: "● ", Mark.ENDED: "○ ", Mark.BULLET: "- ", Mark.WARNING: "⚠ "}


def _run(run: Run) -> str:
    if run.style is Style.CODE:
        return run.text.replace("/mcf", "mcf-bot ask")
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
    return clean_text(to_text(layout(reply, full=full, shareable=False)), multiline=True)


def check_line(query: str, reply: Reply) -> str:
    """One line of ``mcf-bot check``, tab-separated: the query, the verdict, the
    organisation and why (the same verdict as ``/mcf check`` gives in chat)."""
    line = line_for(query, reply)
    fields = [query, line.verdict.value]
    if line.name:
        fields.append(line.label)  # "name (country), as the name that matched"
    if line.detail:  # a "no match" says too that it is no evidence of anything
        fields.append(line.detail)
    # One field each, one line per name, whatever the data holds (tabs, breaks, escapes).
    return "\t".join(clean_text(field) for field in fields)
