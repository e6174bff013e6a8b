"""The layouts of a lookup that found no single organisation ("did you mean", no match)
and of quick checks of many names at once."""

from __future__ import annotations

from bot.render.layout_parts import (
    Action,
    Button,
    Layout,
    Line,
    Mark,
    Menu,
    Run,
    Section,
    Style,
    one_line,
    plural,
    verdict_line,
)
from handlers.replies import (
    CheckLine,
    CheckListReply,
    Level,
    LookupReply,
)
from registry.lookup import MatchStatus

MAX_CANDIDATES = 5  # "did you mean" buttons


# -- the other answers to a lookup ------------------------------------------------------


def candidates_layout(reply: LookupReply, *, public: bool = False) -> Layout:
    """ "Did you mean" (or no match, with the closest names): the verdict, then one
    button per candidate."""
    action = Action.CARD if public else Action.PICK
    finding = reply.finding
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
    Level.LISTED: (Mark.LISTED, Style.ATTENTION),
    Level.TIED: (Mark.TIED, Style.WARNING),
    Level.FORMER: (Mark.FORMER, Style.PLAIN),
    Level.TRACKED: (Mark.KNOWN, Style.PLAIN),
    Level.NOT_LISTED: (Mark.KNOWN, Style.PLAIN),
    Level.AMBIGUOUS: (Mark.AMBIGUOUS, Style.PLAIN),
    Level.NO_MATCH: (Mark.NONE, Style.PLAIN),
    Level.ERROR: (Mark.WARNING, Style.PLAIN),
}
MAX_LINE_CANDIDATES = 5  # cards offered beside one "did you mean" line


def check_heading(reply: CheckListReply) -> str:
    """ "4 names checked: 3 listed, 1 not found" / "2 organisations named in the message"."""
    if reply.found_in_message:
        n = len(reply.lines) + reply.omitted
        if not n:
            return "No organisation in the registry is named in this message."
        head = f"{plural(n, 'organisation')} from the registry named in the message"
    else:
        head = f"{plural(len(reply.lines), 'name')} checked"
    counts = [f"{n} {v.words}" for v, n in reply.counts()]
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
