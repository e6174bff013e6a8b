"""Slack Block Kit: the mapper of ``bot.render.layout``. It owns only mrkdwn escaping and
Slack's limits (3,000 characters a section, 50 blocks a message, 100 on a home tab),
and builds with ``slack_sdk.models`` so those limits are checked when the blocks are
made, not when Slack rejects them.

Registry text and echoed queries are untrusted: everything from data or typed by a
member goes through ``escape`` so it cannot form a link, a mention, ``<!channel>`` or
*emphasis*; and every mrkdwn text object is ``verbatim`` (Slack's documented switch), so
Slack does not turn a bare URL or channel name in it into a link either. Our own links and
channel references are written out in full (``<url|label>``, ``<#C…>``), which verbatim
text still renders.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    BlockElement,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.render.cache import NOTE_SLOT, RenderCache
from bot.render.layout import (
    Action,
    Button,
    Layout,
    Line,
    Mark,
    Menu,
    Run,
    Section,
    Style,
    layout,
    note_section,
    shown_lines,
    web_link,
)
from handlers.home import HomeReply
from handlers.replies import CheckListReply, EntityCard, LookupReply, NoticeReply, Reply
from registry.lookup import MatchStatus
from registry.lookup.types import CHOSEN
from registry.text import clean_text

SHARE_ACTION = "mcf_share"
PICK_ACTION = "mcf_pick"
# Open one organisation's card privately, beside the message (check lists, threads).
CARD_ACTION = "mcf_card"
SHARE_LIST_ACTION = "mcf_share_list"
# The same card with every tie (value: the entity id).
MORE_ACTION = "mcf_more"
# A picture of the organisation's network, uploaded to the conversation (value: entity id).
GRAPH_ACTION = "mcf_graph"
MAX_BLOCKS = 50  # per message
MAX_HOME_BLOCKS = 100
MAX_MENU_OPTIONS = 100
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
SECTION_LIMIT = 2900  # Slack allows 3000 characters per section; keep headroom
CONTEXT_LIMIT = 1900  # per context element (Slack: 2000)
HEADER_LIMIT = 150
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
# mrkdwn has no escape character: an emphasis marker at the edge of a word (where Slack
# reads *bold*, _italic_ or ~struck~) becomes a look-alike Slack shows as it is. Inside a
# word (snake_case, A*B) Slack formats nothing, and the text is kept. Backticks stay: our
# own sentences quote commands in `code` (a code span shows its text literally, and no
# link or mention can form in it).
_MARKERS = re.compile(r"(?<!\w)[*_~]|[*_~](?!\w)")
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c"}

_MARKS = {
    Mark.LISTED: ":red_circle:",
    Mark.TIED: ":large_orange_circle:",
    Mark.FORMER: ":white_circle:",
    Mark.KNOWN: ":white_circle:",
    Mark.AMBIGUOUS: ":grey_question:",
    Mark.NONE: ":heavy_minus_sign:",
    Mark.WARNING: ":warning:",
    Mark.ALERT: ":bell:",
    Mark.ACTIVE: ":red_circle:",
    Mark.ENDED: ":white_circle:",
    Mark.BULLET: "•",
}
# Buttons that several lines carry get an index: Slack wants action ids unique.
_ACTION_IDS = {
    Action.SHARE: SHARE_ACTION,
    Action.PICK: PICK_ACTION,
    Action.CARD: CARD_ACTION,
    Action.MORE: MORE_ACTION,
    Action.SHARE_LIST: SHARE_LIST_ACTION,
    Action.GRAPH: GRAPH_ACTION,
}
_INDEXED = (Action.PICK, Action.CARD)
# Slack has no colours in text: the verdicts' colours are their line markers.
_EMPHASIS = {Style.STRONG: "*", Style.EMPHASIS: "_"}


def escape(text: str | None, limit: int = 1000) -> str:
    """Make registry text (or an echoed query) inert in mrkdwn: no links, mentions,
    broadcasts or emphasis."""
    if not text:
        return ""
    text = clean_text(text, multiline=True)  # cleaned at import; again for older rows
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKERS.sub(lambda m: _LOOKALIKES[m.group()], text)
    # A word joiner after "@" stops "@channel" from ever reading as a broadcast.
    return _BROADCAST.sub("@\u2060\\1", text)


def plain(text: str, limit: int) -> str:
    """For plain_text fields (headers, buttons): no markup there, but no broadcasts either."""
    # Slack shows plain_text literally, but clients that copy it elsewhere may not: no
    # angle brackets that could read as <!channel> or <@U...> anywhere.
    text = clean_text(text)
    text = _BROADCAST.sub("@\u2060\\1", text.replace("<", "‹").replace(">", "›"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str, label: str) -> str:
    """A link whose URL and label both come from data: neither may break out (the URL
    is percent-encoded by ``web_link``: no space, ``|`` or ``>`` is left in it)."""
    target = web_link(url)
    if target is None:
        return escape(label)
    return f"<{target}|{escape(label, 200).replace('|', '¦')}>"


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object Slack takes as written (no links made from bare URLs)."""
    return MarkdownTextObject(text=text, verbatim=True)


def _run(run: Run) -> str:
    if run.link:
        return _link(run.link, run.text)
    if run.style is Style.CODE:
        return run.text  # our own words, with `code` spans
    if run.style is Style.CHANNEL:
        return f"<#{run.text}>" if _CHANNEL_ID.match(run.text) else "a channel"
    # A run may be a legal rule shown whole (an Entity List entry's terms): only the
    # section's own limit applies.
    text = escape(run.text, SECTION_LIMIT)
    marker = _EMPHASIS.get(run.style)
    core = text.strip()
    if not marker or not core:
        return text
    # mrkdwn wants the markers against the words: "*Baidu* → ...", never "* Baidu*".
    before, after = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{before}{marker}{core}{marker}{after}"


def line_text(line: Line) -> str:
    mark = f"{_MARKS[line.mark]} " if line.mark else ""
    return "      " * line.indent + mark + "".join(_run(r) for r in line.runs)


class _Ids:
    def __init__(self) -> None:
        self.counts: dict[Action, int] = {}

    def __call__(self, action: Action) -> str:
        base = _ACTION_IDS[action]
        if action not in _INDEXED:
            return base
        i = self.counts.get(action, 0)
        self.counts[action] = i + 1
        return f"{base}_{i}"


def _control(control: Button | Menu, ids: _Ids) -> InteractiveElement:
    if isinstance(control, Button):
        return ButtonElement(
            text=plain(control.label, 75), action_id=ids(control.action), value=control.value
        )
    options = [Option(text=plain(label, 75), value=value) for value, label in control.options]
    return StaticSelectElement(
        placeholder=control.placeholder,
        action_id=ids(control.action),
        options=options[:MAX_MENU_OPTIONS],
    )


def _section(text: str, accessory: BlockElement | None = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text), accessory=accessory)


def _pack(section: Section, ids: _Ids, *, controls: bool = True) -> list[Block]:
    """A section's lines in as few blocks as Slack's text limit allows; a line with a
    button or menu ends its block, which carries the control beside it."""
    if section.subtle:
        text = "\n".join(line_text(x) for x in shown_lines(section))
        return [ContextBlock(elements=[mrkdwn(text[:CONTEXT_LIMIT])])]
    blocks: list[Block] = []
    chunk = f"*{escape(section.heading, 500)}*" if section.heading else ""
    # A list of answers (a check list): every line its own block, so buttons line up.
    each = controls and section.rows
    for line in shown_lines(section):
        text = line_text(line)[:SECTION_LIMIT]
        if chunk and (each or len(chunk) + len(text) + 1 > SECTION_LIMIT):
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{text}" if chunk else text
        if controls and line.control is not None:
            blocks.append(_section(chunk, _control(line.control, ids)))
            chunk = ""
    if chunk:
        blocks.append(_section(chunk))
    return blocks


def _menu_of_cards(lay: Layout) -> list[InteractiveElement]:
    """For a layout with too many lines for a control each: one menu of every card on
    it, then its other buttons (Share)."""
    options: dict[str, str] = {}
    others: list[Button] = []
    for section in lay.sections:
        for line in section.lines:
            control = line.control
            if isinstance(control, Menu):
                for value, label in control.options:
                    options.setdefault(value, label)
            elif isinstance(control, Button) and control.action in _INDEXED:
                options.setdefault(control.value, line.runs[0].text)
            elif isinstance(control, Button):
                others.append(control)
    ids = _Ids()
    elements: list[InteractiveElement] = []
    if options:
        menu = Menu("Open a card…", Action.CARD, tuple(options.items()))
        elements.append(_control(menu, ids))
    elements += [_control(b, ids) for b in others]
    return elements


def blocks_of(lay: Layout, limit: int = MAX_BLOCKS) -> list[Block]:
    """The layout as blocks: a header for a title, context for notes, sections for the
    rest, and the buttons last."""
    ids = _Ids()
    head: list[Block] = []
    if lay.title:
        if lay.kind == "card":
            # A long name is cut before the citation that ends the title, never the citation.
            header = lay.title_within(HEADER_LIMIT, plain)
            head.append(HeaderBlock(text=PlainTextObject(text=header, emoji=False)))
        else:
            head.append(_section(f"*{escape(lay.title, 500)}*"))
    body = [b for section in lay.sections for b in _pack(section, ids)]
    tail: list[Block] = []
    if lay.actions:
        if lay.kind == "card":
            tail.append(DividerBlock())
        tail.append(ActionsBlock(elements=[_control(b, ids) for b in lay.actions]))
    if len(head) + len(body) + len(tail) > limit:
        # Too many lines for a control each: pack the text and offer the cards in a menu.
        body = [b for section in lay.sections for b in _pack(section, ids, controls=False)]
        elements = _menu_of_cards(lay)
        body = body[: limit - len(head) - len(tail) - 1]
        if elements:
            body.append(ActionsBlock(elements=elements))
    return head + body + tail


def reply_blocks(reply: Reply, *, public: bool = False, full: bool = False) -> list[Block]:
    """``public``: the answer is already seen by everyone (a thread reply), so it has no
    "Share in channel", and its buttons open cards privately instead of replacing it."""
    return blocks_of(layout(reply, public=public, full=full))


def card_blocks(
    card: EntityCard, note: str | None = None, *, shareable: bool = True, full: bool = False
) -> list[Block]:
    """One card; ``note`` is our own mrkdwn (``shared by <@U123>``), added as it is."""
    reply = LookupReply(card.name, MatchStatus.MATCH, card, how=CHOSEN)
    blocks = blocks_of(layout(Reply(reply), full=full, shareable=shareable))
    if note:
        for block in blocks:
            if isinstance(block, ContextBlock):
                block.elements.append(mrkdwn(note))
                break
    return blocks


def check_list_blocks(
    reply: CheckListReply, note: str | None = None, *, shareable: bool = True
) -> list[Block]:
    blocks = blocks_of(layout(Reply(reply), shareable=shareable))
    if note:
        blocks.append(ContextBlock(elements=[mrkdwn(note)]))
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text shown where blocks are not (and read by screen readers)."""
    return escape(layout(reply).summary, 2900)


def response_type(reply: Reply) -> str:
    body = reply.body
    return "in_channel" if isinstance(body, NoticeReply) and body.public else "ephemeral"


def as_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


# Matched cards, rendered once per card object (``bot.render.cache``).
_RENDERED = RenderCache()


def message(reply: Reply, *, public: bool = False, full: bool = False) -> dict[str, Any]:
    """A reply as the ``text`` and ``blocks`` of a Slack message (the arguments of
    ``ack``, ``respond`` and ``chat.postMessage``). Shared when it is a card: do not
    change it."""

    def build(note: str | None) -> dict[str, Any]:
        lay = layout(reply, public=public, full=full, note=note)
        return {"text": escape(lay.summary, 2900), "blocks": as_dicts(blocks_of(lay))}

    return _RENDERED.get(reply, ("slack", public, full), build, _fill_note)


# Notes told apart and kept rendered (a few hundred bytes each).
NOTE_BLOCKS_KEPT = 4096


@functools.lru_cache(maxsize=NOTE_BLOCKS_KEPT)
def _note_block(note: str) -> dict[str, Any]:
    """The block of a match note ("matched “q”: exact alias"), made once per note: a
    rendering is never changed once made (``bot.render.cache``), so they share it."""
    (block,) = _pack(note_section(note), _Ids())
    return block.to_dict()


_SLOT_BLOCK = _note_block(NOTE_SLOT)


def _fill_note(message: dict[str, Any], note: str) -> dict[str, Any] | None:
    """A card rendered with ``NOTE_SLOT`` (``bot.render.cache``), with ``note`` in its
    place: the note is one context block of its own, whatever its length. None if the
    rendering shows no slot (then the card is rendered whole)."""
    blocks = message["blocks"]
    if not any(_is_slot(block) for block in blocks):
        return None
    real = _note_block(note)
    return {**message, "blocks": [real if _is_slot(block) else block for block in blocks]}


def _is_slot(block: dict[str, Any]) -> bool:
    # The type first: comparing a whole section or list of fields costs more than the
    # note itself (this runs for every block of every card asked).
    return block.get("type") == _SLOT_BLOCK["type"] and block == _SLOT_BLOCK


def home_view(home: HomeReply) -> View:
    return View(type="home", blocks=blocks_of(layout(home), MAX_HOME_BLOCKS))
