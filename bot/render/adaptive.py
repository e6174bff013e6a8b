"""Adaptive Cards for Microsoft Teams: the mapper of ``bot.render.layout``. It owns only
Teams' markup and its message size (``CARD_BUDGET``): a check list too large for a
button per line gets one menu of cards, a whole card too large for one message keeps
as many ties as fit, a digest is split over several cards.

Registry text is untrusted. Adaptive Card ``TextBlock``s parse markdown, so no text goes
into one: everything travels in ``RichTextBlock`` ``TextRun``s, which renderers show
literally (no links, lists, emphasis or ``<at>`` mentions can be formed), and the only
links are the ones built here, from ``http(s)`` source URLs. The activity's ``summary``
(notification text) is plain text.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.render.cache import NOTE_SLOT, RenderCache
from bot.render.layout import (
    Action,
    Button,
    Layout,
    Line,
    Mark,
    Menu,
    Run,
    Style,
    digest_layout,
    layout,
    note_section,
    shown_lines,
    web_link,
)
from handlers.digests import Digest, changes_per_part
from handlers.replies import CandidateView, CheckListReply, GraphReply, LookupReply, Reply
from registry.alert_planning import PlannedMessage
from registry.text import clean_text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the highest Teams renders for bots
SHOW_ACTION = "mcf_show"  # Action.Submit data: {"mcf_action": "mcf_show", "entity_id": 42}
# Teams refuses messages over about 28 KB; keep each card's JSON well under it.
CARD_BUDGET = 20_000
Element = dict[str, Any]


def clip(text: str | None, limit: int = 1000) -> str:
    if not text:
        return ""
    text = clean_text(text, multiline=True)  # cleaned at import; again for older rows
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run(text: str, **style: Any) -> Element:
    """A ``TextRun``: shown literally, never parsed as markdown."""
    return {"type": "TextRun", "text": text, **style}


def link(label: str, url: str | None) -> Element:
    # Only web links from data become links (``layout.web_link``), encoded.
    target = web_link(url)
    if target is None:
        return run(label)
    return run(label, selectAction={"type": "Action.OpenUrl", "url": target})


def rich(*runs: Element, **props: Any) -> Element:
    return {"type": "RichTextBlock", "inlines": list(runs), **props}


def card(body: list[Element], actions: list[Element] | None = None) -> Element:
    content: Element = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        content["actions"] = actions
    content["msteams"] = {"width": "Full"}
    return content


def attachment(content: Element) -> Element:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


_MARKS = {
    Mark.LISTED: "🔴",
    Mark.TIED: "🟠",
    Mark.FORMER: "⚪",
    Mark.KNOWN: "⚪",
    Mark.AMBIGUOUS: "❔",
    Mark.NONE: "➖",
    Mark.WARNING: "⚠",
    Mark.ALERT: "🔔",
    Mark.ACTIVE: "●",
    Mark.ENDED: "○",
    Mark.BULLET: "•",
}
_COLOURS = {Style.ATTENTION: "Attention", Style.WARNING: "Warning"}
_MARK_COLOURS = {Mark.ACTIVE: "Attention"}
# Teams keeps a did-you-mean line short: this many candidate buttons under it.
MAX_LINE_CANDIDATES = 3


def _teams_usage(line: str) -> str:
    # The grammar is Slack's; in Teams the bot is addressed by @mention or in a chat.
    return line.replace("`/mcf ", "`@mcf ").replace("`/mcf`", "`@mcf`")


# A run may be a legal rule shown whole (an Entity List entry's terms run past 1,100
# characters): a card's runs are clipped only beyond this.
RUN_LIMIT = 3000
# A title's characters at most (a card's, a digest's).
TITLE_LIMIT = 300


def _text_run(r: Run, limit: int) -> Element:
    text = clip(r.text, limit)
    if r.link:
        return link(text, r.link)
    if r.style is Style.CODE:
        return run(_teams_usage(text).replace("`", ""))
    if r.style is Style.CHANNEL:
        return run(f"channel {text}", isSubtle=True)
    style: dict[str, Any] = {}
    if r.style is Style.STRONG:
        style["weight"] = "Bolder"
    elif r.style in _COLOURS:
        style["color"] = _COLOURS[r.style]
        style["weight"] = "Bolder"
    elif r.style is Style.SUBTLE:
        style["isSubtle"] = True
    elif r.style is Style.EMPHASIS:
        style.update(italic=True, isSubtle=True)
    return run(text, **style)


def _line(line: Line, limit: int = RUN_LIMIT, **props: Any) -> Element:
    runs = [_text_run(r, limit) for r in line.runs]
    if line.mark is not None:
        colour = _MARK_COLOURS.get(line.mark)
        mark = _MARKS[line.mark] + " "
        runs.insert(0, run(mark, color=colour) if colour else run(mark))
    if line.indent:
        runs.insert(0, run("      " * line.indent))
    return rich(*runs, **props)


def _submit(button: Button) -> Element:
    """A button that opens a card (``listeners._chosen`` reads it); ``full``: every tie."""
    data: dict[str, Any] = {"mcf_action": SHOW_ACTION, "entity_id": int(button.value)}
    if button.action is Action.MORE:
        data["full"] = True
    if button.action is Action.GRAPH:
        data["graph"] = True  # a picture of its network instead of the card
    return {"type": "Action.Submit", "title": clip(button.label, 75), "data": data}


def _opens(button: Button) -> bool:
    # Teams answers are seen where they are asked; sharing is a Slack button.
    return button.action not in (Action.SHARE, Action.SHARE_LIST)


def open_action(title: str, entity_id: int) -> Element:
    return _submit(Button(title, Action.CARD, str(entity_id)))


def show_action(candidate: CandidateView) -> Element:
    return open_action(candidate.name, candidate.id)


def _with_control(line: Line, element: Element) -> Element:
    control = line.control
    if isinstance(control, Button) and _opens(control):
        button = {"type": "ActionSet", "actions": [_submit(control)]}
        return {
            "type": "ColumnSet",
            "spacing": "Small",
            "columns": [
                {"type": "Column", "width": "stretch", "items": [element]},
                {
                    "type": "Column",
                    "width": "auto",
                    "verticalContentAlignment": "Center",
                    "items": [button],
                },
            ],
        }
    if isinstance(control, Menu):
        actions = [
            _submit(Button(label, control.action, value))
            for value, label in control.options[:MAX_LINE_CANDIDATES]
        ]
        return {
            "type": "Container",
            "spacing": "Small",
            "items": [element, {"type": "ActionSet", "actions": actions}],
        }
    return element


def _heading(text: str) -> Element:
    # Headings may name lists from the data: a bold run, never a markdown TextBlock.
    return rich(run(text, weight="Bolder"), spacing="Medium")


def body_of(lay: Layout, *, controls: bool = True, limit: int = RUN_LIMIT) -> list[Element]:
    """The layout as card elements: RichTextBlocks of TextRuns only (shown literally)."""
    body: list[Element] = []
    if lay.title:
        body.append(rich(run(lay.title_within(TITLE_LIMIT, clip), size="Large", weight="Bolder")))
    for section in lay.sections:
        if section.heading:
            body.append(_heading(clip(section.heading, 500)))
        for line in shown_lines(section):
            if section.subtle:
                element = rich(
                    *(run(clip(r.text, limit), isSubtle=True) for r in line.runs), spacing="None"
                )
            else:
                element = _line(line, limit, spacing="Small")
            body.append(_with_control(line, element) if controls else element)
    return body


def _menu_of_cards(lay: Layout) -> list[Element]:
    """For a layout too large for a button per line: one menu of every card on it.
    Teams merges the chosen value into the button's data as ``entity_id``."""
    choices: dict[str, str] = {}
    for section in lay.sections:
        for line in section.lines:
            control = line.control
            if isinstance(control, Button) and _opens(control):
                choices.setdefault(control.value, line.runs[0].text)
            elif isinstance(control, Menu):
                for value, label in control.options[:MAX_LINE_CANDIDATES]:
                    choices.setdefault(value, label)
    if not choices:
        return []
    menu = {
        "type": "Input.ChoiceSet",
        "id": "entity_id",
        "style": "compact",
        "placeholder": "Open a card…",
        "isRequired": True,
        "errorMessage": "Choose an organisation first.",
        "choices": [{"title": clip(name, 150), "value": v} for v, name in choices.items()],
    }
    opener = {"type": "Action.Submit", "title": "Open card", "data": {"mcf_action": SHOW_ACTION}}
    return [menu, {"type": "ActionSet", "actions": [opener]}]


def card_of(lay: Layout) -> Element:
    actions = [_submit(b) for b in lay.actions if _opens(b)]
    return card(body_of(lay), actions)


def reply_card(reply: Reply, *, full: bool = False) -> Element:
    """The card for any reply. A check list too large for a button per line gets
    shorter reasons and one menu of cards; if even that is too large, its last lines
    are left off (and counted)."""
    return _fitted(reply, full=full)[0]


def _fitted(reply: Reply, *, full: bool, note: str | None = None) -> tuple[Element, int | None]:
    """``reply_card`` (``note``: a card's match note in place of its own), and its size
    when it is the whole layout (nothing was shortened to fit ``CARD_BUDGET``)."""
    try:
        lay = layout(reply, full=full, shareable=False, note=note)
    except TypeError:  # a reply type with no layout yet: any readable form beats none
        return card([rich(run(clip(str(reply.body), 20_000)))]), None
    whole = card_of(lay)
    body = reply.body
    size = _size(whole)
    if size <= CARD_BUDGET:
        return whole, size
    if isinstance(body, LookupReply) and body.card is not None:
        # A whole card too large for one message: as many of its ties as fit.
        ties = len(body.card.relationships)
        while ties > 1 and _size(whole) > CARD_BUDGET:
            ties = ties * 3 // 4
            whole = card_of(layout(reply, full=full, shareable=False, max_ties=ties, note=note))
        return whole, None
    if not isinstance(body, CheckListReply):
        return whole, None
    shown = len(body.lines)
    while True:
        short = layout(Reply(check_shown(body, shown)), shareable=False)
        compact = card(body_of(short, controls=False, limit=200) + _menu_of_cards(short))
        if _size(compact) <= CARD_BUDGET or shown <= 1:
            return compact, None
        shown -= 1


def check_shown(reply: CheckListReply, shown: int) -> CheckListReply:
    """The first ``shown`` lines of a check list, the rest counted as left off."""
    left = len(reply.lines) - shown
    return replace(reply, lines=reply.lines[:shown], omitted=reply.omitted + left)


@dataclass(frozen=True, slots=True)
class _Rendered:
    card: Element
    summary: str
    size: int | None  # the card's size when nothing was shortened to fit (``_fitted``)


# Matched cards, rendered once per card object (``bot.render.cache``).
_RENDERED = RenderCache()


def message_parts(reply: Reply, *, full: bool = False) -> tuple[Element, str]:
    """A reply's Adaptive Card and its summary (notification text). Shared when it is a
    card: do not change them."""

    def build(note: str | None) -> _Rendered:
        element, size = _fitted(reply, full=full, note=note)
        return _Rendered(element, summary(reply), size)

    rendered = _RENDERED.get(reply, ("teams", full), build, _fill_note)
    return rendered.card, rendered.summary


def _note_element(note: str) -> Element:
    (element,) = body_of(Layout("card", None, (note_section(note),)))
    return element


_SLOT_ELEMENT = _note_element(NOTE_SLOT)


def _fill_note(rendered: _Rendered, note: str) -> _Rendered | None:
    """A card rendered with ``NOTE_SLOT`` (``bot.render.cache``), with ``note`` in its
    place. None when the card was shortened to fit Teams' message size, or the note
    would take it past that size: then it is rendered whole, as ``_fitted`` decides."""
    body = rendered.card["body"]
    if rendered.size is None or _SLOT_ELEMENT not in body:
        return None
    real = _note_element(note)
    size = rendered.size + _size(real) - _size(_SLOT_ELEMENT)
    if size > CARD_BUDGET:
        return None
    card = {**rendered.card, "body": [real if e == _SLOT_ELEMENT else e for e in body]}
    return _Rendered(card, rendered.summary, size)


def summary(reply: Reply) -> str:
    """Short plain text for notifications and screen readers (never parsed as markdown)."""
    try:
        return clip(layout(reply).summary, 300)
    except TypeError:  # a reply type with no layout yet
        return "mcf-bot"


# -- alert digests ------------------------------------------------------------------


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

    lay = digest_layout(digest)
    for section in lay.sections:
        title = clip(section.heading, 500)
        add(_heading(title))
        for line in section.lines:
            before = len(parts)
            add(_line(line, 300, spacing="None"), line.keys)
            if len(parts) > before:
                # A new card: say again which section its first entries belong to.
                parts[-1][0].insert(0, _heading(f"{title} (continued)"))

    total = len(parts)
    owned = changes_per_part(digest, [ids for _, ids in parts])
    planned = []
    for i, ((elements, _), mine) in enumerate(zip(parts, owned, strict=True), start=1):
        title = clip(lay.title, TITLE_LIMIT) + (f" (part {i} of {total})" if total > 1 else "")
        top = rich(run("🔔 "), run(title, weight="Bolder"))
        payload: dict[str, Any] = {
            "text": clip(lay.summary, 2000),
            "card": card([top, *elements]),
        }
        planned.append(PlannedMessage(payload, mine))
    return planned


def data_uri(data: bytes, mime: str) -> str:
    """Bytes as a ``data:`` URI: an inline image Teams shows in personal chats, group
    chats and channels alike, with nothing to host."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def picture_name(reply: GraphReply) -> str:
    """The picture's file name: the organisation's name in letters and digits only."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", reply.name).strip("-")[:60] or "organisation"
    return f"network-{stem}.png"
