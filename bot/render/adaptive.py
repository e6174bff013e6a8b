"""Replies and alert digests as Adaptive Cards for Microsoft Teams.

Registry text is untrusted. Adaptive Card ``TextBlock``s parse markdown, so text from
data never goes into one: it travels in ``RichTextBlock`` ``TextRun``s, which renderers
show literally (no links, lists, emphasis or ``<at>`` mentions can be formed), and the
only links are the ones built here, from ``http(s)`` source URLs. ``TextBlock`` is kept
for our own fixed headings. The activity's ``summary`` (notification text) is plain text.
"""

from __future__ import annotations

import json
from typing import Any

from bot.render import text as text_render
from bot.render.text import KINDS, check_heading
from handlers.alerts import Digest, changes_per_part
from handlers.replies import (
    CandidateView,
    CheckLine,
    CheckListReply,
    EntityCard,
    ErrorReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
    Verdict,
)
from registry.alerts import PlannedMessage
from registry.lookup import MatchStatus
from registry.text import clean_text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the highest Teams renders for bots
SHOW_ACTION = "mcf_show"  # Action.Submit data: {"mcf_action": "mcf_show", "entity_id": 42}
MAX_TIES = 25
MAX_CANDIDATES = 5
MAX_LINE_CANDIDATES = 3  # "did you mean" buttons under one line of a check list
# Teams refuses messages over about 28 KB; keep each card's JSON well under it.
CARD_BUDGET = 20_000
Element = dict[str, Any]


def clip(text: str | None, limit: int = 1000) -> str:
    if not text:
        return ""
    text = clean_text(text, multiline=True)  # cleaned at import; again for older rows
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_url(url: str | None) -> str | None:
    """Only web links from data become links; anything else (javascript:, mailto:) not."""
    if url and url.startswith(("https://", "http://")) and not any(c.isspace() for c in url):
        return url
    return None


def run(text: str, **style: Any) -> Element:
    """A ``TextRun``: shown literally, never parsed as markdown."""
    return {"type": "TextRun", "text": text, **style}


def link(label: str, url: str | None) -> Element:
    target = safe_url(url)
    if target is None:
        return run(label)
    return run(label, selectAction={"type": "Action.OpenUrl", "url": target})


def rich(*runs: Element, **props: Any) -> Element:
    return {"type": "RichTextBlock", "inlines": list(runs), **props}


def heading(text: str) -> Element:
    """One of our own fixed headings (never data)."""
    return {
        "type": "TextBlock",
        "text": text,
        "weight": "Bolder",
        "wrap": True,
        "spacing": "Medium",
    }


def card(body: list[Element], actions: list[Element] | None = None) -> Element:
    content: Element = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        content["actions"] = actions
    content["msteams"] = {"width": "Full"}
    return content


def attachment(content: Element) -> Element:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def _refs(numbers: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def entity_body(entity: EntityCard, note: str | None = None) -> list[Element]:
    meta = [clip(entity.native_name, 200), KINDS.get(entity.kind, entity.kind)]
    meta.append(clip(entity.country, 10))
    if note:
        meta.append(note)
    body: list[Element] = [
        rich(run(clip(entity.name, 300), size="Large", weight="Bolder")),
        rich(run(" · ".join(m for m in meta if m), isSubtle=True), spacing="None"),
    ]
    if entity.aliases:
        aka = "Also known as: " + "; ".join(clip(a, 120) for a in entity.aliases[:10])
        body.append(rich(run(clip(aka, 1900), isSubtle=True), spacing="None"))
    if entity.summary:
        body.append(rich(run(clip(entity.summary)), run(f" {_refs(entity.summary_sources)}")))

    body.append(heading("Lists"))
    if not entity.designations:
        body.append(rich(run("Not named on any list in the registry.")))
    for d in entity.designations:
        marker = run("● ", color="Attention") if d.active else run("○ ", isSubtle=True)
        body.append(
            rich(
                marker,
                run(clip(d.list_name, 200), weight="Bolder"),
                run(f": {clip(d.status)} [{d.source}]"),
                spacing="Small",
            )
        )
        if d.reason:
            body.append(rich(run(clip(d.reason, 400), italic=True, isSubtle=True), spacing="None"))
        if d.licence_policy:
            policy = f"Licence review policy: {clip(d.licence_policy, 400)}"
            body.append(rich(run(policy, isSubtle=True), spacing="None"))

    body.append(heading("MCF ties"))
    if not entity.relationships:
        body.append(rich(run("None recorded.")))
    for r in entity.relationships[:MAX_TIES]:
        when = f" ({clip(r.start) or '?'}–{clip(r.end)})" if (r.start or r.end) else ""
        body.append(
            rich(
                run(f"• {clip(r.sentence)} "),
                run(clip(r.other_name, 200), weight="Bolder"),
                run(f"{when} {_refs(r.sources)}"),
                spacing="Small",
            )
        )
        if r.summary:
            body.append(rich(run(clip(r.summary, 300), isSubtle=True), spacing="None"))
    hidden = len(entity.relationships) - MAX_TIES
    if hidden > 0:
        body.append(rich(run(f"…and {hidden} more ties: run mcf-bot ask for the full list.")))

    body.append(heading("Sources"))
    for s in entity.sources:
        date = f", {clip(s.date)}" if s.date else ""
        body.append(
            rich(
                run(f"[{s.number}] "),
                link(clip(s.title, 300), s.url),
                run(f" ({clip(s.publisher, 200)}{date})", isSubtle=True),
                spacing="Small",
            )
        )
    return body


def open_action(title: str, entity_id: int) -> Element:
    """A button that opens one organisation's full card (``listeners._chosen`` reads it)."""
    return {
        "type": "Action.Submit",
        "title": clip(title, 75),
        "data": {"mcf_action": SHOW_ACTION, "entity_id": entity_id},
    }


def show_action(candidate: CandidateView) -> Element:
    return open_action(candidate.name, candidate.id)


def _candidates(reply: LookupReply, intro: list[Element]) -> Element:
    body = [rich(*intro)]
    for c in reply.candidates[:MAX_CANDIDATES]:
        body.append(
            rich(
                run("• "),
                run(clip(c.name, 200), weight="Bolder"),
                run(f": matched {clip(c.matched_on, 200)}"),
                spacing="Small",
            )
        )
    return card(body, [show_action(c) for c in reply.candidates[:MAX_CANDIDATES]])


def lookup_card(reply: LookupReply) -> Element:
    query = clip(reply.query, 200)
    if reply.status is MatchStatus.NONE:
        intro = [run("No organisation in the registry matches "), run(query, weight="Bolder")]
        if not reply.candidates:
            return card([rich(*intro, run("."))])
        return _candidates(reply, [*intro, run(". Closest names:")])
    if reply.status is MatchStatus.AMBIGUOUS:
        intro = [
            run("Not sure which organisation "),
            run(query, weight="Bolder"),
            run(" means. Did you mean:"),
        ]
        return _candidates(reply, intro)
    assert reply.card is not None
    note = None
    if reply.how and reply.how != "exact name":
        note = f"matched “{clip(reply.matched_on, 200)}” ({clip(reply.how)})"
    return card(entity_body(reply.card, note))


def _teams_usage(line: str) -> str:
    # The grammar is Slack's; in Teams the bot is addressed by @mention or in a chat.
    return line.replace("`/mcf ", "`@mcf ").replace("`/mcf`", "`@mcf`")


def reply_card(reply: Reply) -> Element:
    """The card for any reply; a reply type this module does not know yet is shown as
    its terminal text, so new handler replies degrade instead of failing."""
    body = reply.body
    if isinstance(body, SourcesReply):  # chat shows the lists as a short list
        body = body.as_notice()
    if isinstance(body, LookupReply):
        return lookup_card(body)
    if isinstance(body, CheckListReply):
        return check_card(body)
    if isinstance(body, HelpReply):
        blocks: list[Element] = []
        if body.hint:
            blocks.append(rich(run(clip(body.hint))))
        blocks += [
            # The usage lines are our own text (with markdown code spans), not data.
            {"type": "TextBlock", "text": _teams_usage(line), "wrap": True, "spacing": "Small"}
            for line in body.lines
        ]
        return card(blocks)
    if isinstance(body, ErrorReply):
        blocks = [rich(run("⚠ "), run(clip(body.message), weight="Bolder"))]
        if body.hint:
            blocks.append(rich(run(clip(body.hint))))
        return card(blocks)
    if isinstance(body, NoticeReply):
        blocks = [rich(run(clip(body.text)))]
        blocks += [rich(run(f"• {clip(line, 300)}"), spacing="Small") for line in body.lines]
        return card(blocks)
    return card([rich(run(clip(_as_text(reply), 20_000)))])


def _as_text(reply: Reply) -> str:
    try:
        return text_render.render(reply)
    except Exception:  # an unknown reply type: any readable form beats no answer
        return str(reply.body)


def summary(reply: Reply) -> str:
    """Short plain text for notifications and screen readers (never parsed as markdown)."""
    body = reply.body
    if isinstance(body, SourcesReply):  # chat shows the lists as a short list
        body = body.as_notice()
    if isinstance(body, LookupReply) and body.card and body.status is MatchStatus.MATCH:
        listed = ", ".join(d.list_name for d in body.card.listed_on)
        text = f"{body.card.name}: " + (f"listed on {listed}" if listed else "not listed")
    elif isinstance(body, LookupReply):
        text = f"mcf: {body.query}"
    elif isinstance(body, ErrorReply):
        text = body.message
    elif isinstance(body, NoticeReply):
        text = body.text
    elif isinstance(body, HelpReply):
        text = "mcf-bot help"
    elif isinstance(body, CheckListReply):
        text = check_heading(body)
    else:
        text = "mcf-bot"
    return clip(text, 300)


# -- quick checks: one compact line per name ----------------------------------------

# Per verdict: the marker, the colour of the reason, and the words around the reason
# (the same sentences as ``mcf-bot check`` and Slack: "listed on ...", "did you mean ...?").
_VERDICTS: dict[Verdict, tuple[str, str | None]] = {
    Verdict.LISTED: ("🔴", "Attention"),
    Verdict.TIED: ("🟠", "Warning"),
    Verdict.FORMER: ("⚪", None),
    Verdict.KNOWN: ("⚪", None),
    Verdict.AMBIGUOUS: ("❔", None),
    Verdict.NONE: ("➖", None),
    Verdict.ERROR: ("⚠", None),
}


def check_line(line: CheckLine, detail_limit: int = 600) -> Element:
    """What was asked (bold), what it is, and the verdict with its reason: all TextRuns."""
    marker, colour = _VERDICTS[line.verdict]
    runs = [run(f"{marker} "), run(clip(line.query, 200), weight="Bolder")]
    if line.name and line.name.casefold() != line.query.casefold():
        runs.append(run(f" → {clip(line.name, 200)}"))
    reason = f": {line.reason(clip(line.detail, detail_limit))}"
    runs.append(run(reason, color=colour) if colour else run(reason))
    if line.shows_how:
        runs.append(run(f" ({clip(line.how or '', 100)})", italic=True, isSubtle=True))
    return rich(*runs)


def _line_with_buttons(line: CheckLine) -> Element:
    """The line and its buttons: "Card" beside a found organisation, one button per
    candidate under a "did you mean", none for a name not found."""
    text = check_line(line)
    if line.entity_id is not None:
        button = {"type": "ActionSet", "actions": [open_action("Card", line.entity_id)]}
        return {
            "type": "ColumnSet",
            "spacing": "Small",
            "columns": [
                {"type": "Column", "width": "stretch", "items": [text]},
                {
                    "type": "Column",
                    "width": "auto",
                    "verticalContentAlignment": "Center",
                    "items": [button],
                },
            ],
        }
    actions = [show_action(c) for c in line.candidates[:MAX_LINE_CANDIDATES]]
    items = [text, {"type": "ActionSet", "actions": actions}] if actions else [text]
    return {"type": "Container", "spacing": "Small", "items": items}


def _card_menu(lines: tuple[CheckLine, ...]) -> list[Element]:
    """For a list too long for a button per line: one menu of every card on it. Teams
    merges the chosen value into the button's data as ``entity_id``."""
    choices: dict[int, str] = {}
    for line in lines:
        if line.entity_id is not None:
            choices.setdefault(line.entity_id, line.name or line.query)
        for c in line.candidates[:MAX_LINE_CANDIDATES]:
            choices.setdefault(c.id, c.name)
    if not choices:
        return []
    menu = {
        "type": "Input.ChoiceSet",
        "id": "entity_id",
        "style": "compact",
        "placeholder": "Open a card…",
        "isRequired": True,
        "errorMessage": "Choose an organisation first.",
        "choices": [{"title": clip(name, 150), "value": str(i)} for i, name in choices.items()],
    }
    opener = {
        "type": "Action.Submit",
        "title": "Open card",
        "data": {"mcf_action": SHOW_ACTION},
    }
    return [menu, {"type": "ActionSet", "actions": [opener]}]


def check_card(reply: CheckListReply) -> Element:
    """The compact list: a heading, then one line per name with a button that opens its
    card. A list whose buttons would not fit Teams' message size gets shorter reasons and
    one menu of cards instead; if even that is too large, the last lines are left off."""
    top = rich(run(clip(check_heading(reply), 500), weight="Bolder"))
    lines = reply.lines
    omitted = reply.omitted

    def tail(more: int) -> list[Element]:
        if not more:
            return []
        note = f"…and {more} more. Ask about one with @mcf <name>."
        return [rich(run(note, isSubtle=True), spacing="Medium")]

    full = card([top, *(_line_with_buttons(x) for x in lines), *tail(omitted)])
    if _size(full) <= CARD_BUDGET:
        return full
    texts = [check_line(x, 200) for x in lines]
    while True:
        menu = _card_menu(lines[: len(texts)])
        left_off = omitted + len(lines) - len(texts)
        compact = card([top, *texts, *menu, *tail(left_off)])
        if _size(compact) <= CARD_BUDGET or len(texts) <= 1:
            return compact
        texts.pop()


# -- alert digests ------------------------------------------------------------------


def _entry(name: str, detail: str, url: str | None) -> Element:
    runs = [run("• "), run(clip(name, 300), weight="Bolder"), run(f": {clip(detail, 300)}")]
    if safe_url(url):
        runs += [run(" · "), link("source", url)]
    return rich(*runs, spacing="None")


def _section_heading(title: str) -> Element:
    # Headings name lists from the data: a bold run, not a markdown TextBlock.
    return rich(run(title, weight="Bolder"), spacing="Medium")


def _size(element: Element) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode("utf-8"))


def digest_messages(digest: Digest) -> list[PlannedMessage]:
    """Every entry shown, over as many cards as Teams' message size needs; each card
    carries the change ids of its own entries (the worker's exactly-once bookkeeping)."""
    parts: list[tuple[list[Element], set[int]]] = [([], set())]
    used = [0]

    def add(element: Element, ids: set[int] | tuple[int, ...] = ()) -> None:
        size = _size(element)
        if parts[-1][0] and used[0] + size > CARD_BUDGET:
            parts.append(([], set()))
            used[0] = 0
        parts[-1][0].append(element)
        parts[-1][1].update(ids)
        used[0] += size

    for section in digest.sections:
        title = clip(section.heading, 500)
        add(_section_heading(title))
        for entry in section.entries:
            before = len(parts)
            element = _entry(entry.name, entry.detail, entry.url)
            add(element, entry.change_ids)
            if len(parts) > before:
                # A new card: say again which section its first entries belong to.
                parts[-1][0].insert(0, _section_heading(f"{title} (continued)"))

    total = len(parts)
    headings = "; ".join(s.heading for s in digest.sections)
    owned = changes_per_part(digest, [ids for _, ids in parts])
    planned = []
    for i, ((elements, _), mine) in enumerate(zip(parts, owned, strict=True), start=1):
        title = clip(digest.title, 300) + (f" (part {i} of {total})" if total > 1 else "")
        top = rich(run("🔔 "), run(title, weight="Bolder"))
        payload: dict[str, Any] = {
            "text": clip(f"{digest.title}: {headings}", 2000),
            "card": card([top, *elements]),
        }
        planned.append(PlannedMessage(payload, mine))
    return planned
