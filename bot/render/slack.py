"""Replies as Slack Block Kit, built with ``slack_sdk.models`` so Slack's limits are
checked when the blocks are made, not when Slack rejects them.

Registry text is untrusted: everything from data goes through ``escape`` so it cannot
form a link, a mention or ``<!channel>``.
"""

from __future__ import annotations

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

from bot.render.text import KINDS, check_heading
from handlers.home import HomeReply
from handlers.replies import (
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
from registry.lookup import MatchStatus
from registry.text import clean_text

SHARE_ACTION = "mcf_share"
PICK_ACTION = "mcf_pick"
# Open one organisation's card privately, beside the message (check lists, threads).
CARD_ACTION = "mcf_card"
SHARE_LIST_ACTION = "mcf_share_list"
MAX_BLOCKS = 50  # per message
MAX_HOME_BLOCKS = 100
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
SECTION_LIMIT = 2900  # Slack allows 3000 characters per section; keep headroom
MAX_TIES = 25
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def escape(text: str | None, limit: int = 1000) -> str:
    """Make registry text inert in mrkdwn: no links, mentions or broadcasts."""
    if not text:
        return ""
    text = clean_text(text, multiline=True)  # cleaned at import; again for older rows
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
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
    """A link whose URL and label both come from data: neither may break out."""
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    if not safe_url.startswith(("https://", "http://")):
        return escape(label)
    return f"<{safe_url}|{escape(label, 200).replace('|', '¦')}>"


def _sections(lines: list[str], title: str) -> list[Block]:
    """Pack lines into as few sections as Slack's text limit allows."""
    blocks: list[Block] = []
    chunk = f"*{title}*"
    for line in lines:
        if len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return blocks


def _refs(numbers: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def card_blocks(
    card: EntityCard, note: str | None = None, *, shareable: bool = True
) -> list[Block]:
    meta = [
        escape(card.native_name, 200),
        KINDS.get(card.kind, card.kind),
        escape(card.country, 10),
    ]
    context = " · ".join(m for m in meta if m)
    if note:
        context += f" · {note}"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=plain(card.name, 150), emoji=False)),
        ContextBlock(elements=[MarkdownTextObject(text=context)]),
    ]
    if card.aliases:
        aka = "Also known as: " + "; ".join(escape(a, 120) for a in card.aliases[:10])
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=aka[:1900])]))
    if card.summary:
        text = f"{escape(card.summary)} {_refs(card.summary_sources)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))

    lists = []
    for d in card.designations:
        icon = ":red_circle:" if d.active else ":white_circle:"
        line = f"{icon} *{escape(d.list_name, 200)}*: {escape(d.status)} [{d.source}]"
        if d.reason:
            line += f"\n      _{escape(d.reason, 400)}_"
        if d.licence_policy:
            line += f"\n      Licence review policy: {escape(d.licence_policy, 400)}"
        lists.append(line)
    blocks += _sections(lists or ["Not named on any list in the registry."], "Lists")

    ties = []
    for r in card.relationships[:MAX_TIES]:
        when = f" ({escape(r.start) or '?'}–{escape(r.end)})" if (r.start or r.end) else ""
        line = f"• {escape(r.sentence)} *{escape(r.other_name, 200)}*{when} {_refs(r.sources)}"
        if r.summary:
            line += f"\n      {escape(r.summary, 300)}"
        ties.append(line)
    hidden = len(card.relationships) - MAX_TIES
    if hidden > 0:
        ties.append(f"…and {hidden} more ties: run `mcf-bot ask` for the full list.")
    blocks += _sections(ties or ["None recorded."], "MCF ties")

    sources = []
    for s in card.sources:
        date = f", {escape(s.date)}" if s.date else ""
        sources.append(f"[{s.number}] {_link(s.url, s.title)} ({escape(s.publisher, 200)}{date})")
    blocks += _sections(sources, "Sources")
    if shareable:
        blocks += [
            DividerBlock(),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Share in channel", action_id=SHARE_ACTION, value=str(card.id)
                    )
                ]
            ),
        ]
    return blocks


def _candidates(reply: LookupReply, intro: str, action: str = PICK_ACTION) -> list[Block]:
    lines = [f"{intro}"]
    buttons = []
    for i, c in enumerate(reply.candidates[:5]):
        lines.append(f"• *{escape(c.name, 200)}*: matched {escape(c.matched_on, 200)!s}")
        buttons.append(
            ButtonElement(text=plain(c.name, 75), action_id=f"{action}_{i}", value=str(c.id))
        )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return blocks


def reply_blocks(reply: Reply, *, public: bool = False) -> list[Block]:
    """``public``: the answer is already seen by everyone (a thread reply), so it has no
    "Share in channel", and its buttons open cards privately instead of replacing it."""
    body = reply.body
    if isinstance(body, SourcesReply):  # chat shows the lists as a short list
        body = body.as_notice()
    if isinstance(body, CheckListReply):
        return check_list_blocks(body, shareable=not public)
    if isinstance(body, HelpReply):
        text = "\n".join(body.lines)
        if body.hint:
            text = f"{escape(body.hint)}\n\n{text}"
        return [SectionBlock(text=MarkdownTextObject(text=text))]
    if isinstance(body, ErrorReply):
        text = f":warning: {escape(body.message)}"
        if body.hint:
            text += f"\n{escape(body.hint)}"
        return [SectionBlock(text=MarkdownTextObject(text=text))]
    if isinstance(body, NoticeReply):
        lines = [escape(body.text, 1000)] + [f"• {escape(line, 300)}" for line in body.lines]
        return (
            _sections(lines[1:], lines[0])
            if body.lines
            else [SectionBlock(text=MarkdownTextObject(text=lines[0]))]
        )
    assert isinstance(body, LookupReply)
    action = CARD_ACTION if public else PICK_ACTION
    query = escape(body.query, 200)
    if body.status is MatchStatus.NONE:
        text = f"No organisation in the registry matches *{query}*."
        if not body.candidates:
            return [SectionBlock(text=MarkdownTextObject(text=text))]
        return _candidates(body, text + " Closest names:", action)
    if body.status is MatchStatus.AMBIGUOUS:
        intro = f"Not sure which organisation *{query}* means. Did you mean:"
        return _candidates(body, intro, action)
    assert body.card is not None
    note = None
    if body.how and body.how != "exact name":
        note = f"matched “{escape(body.matched_on, 200)}” ({escape(body.how)})"
    return card_blocks(body.card, note, shareable=not public)


def fallback_text(reply: Reply) -> str:
    """The notification text shown where blocks are not (and read by screen readers)."""
    body = reply.body
    if isinstance(body, SourcesReply):  # chat shows the lists as a short list
        body = body.as_notice()
    if isinstance(body, LookupReply) and body.card and body.status is MatchStatus.MATCH:
        listed = ", ".join(d.list_name for d in body.card.listed_on)
        return escape(f"{body.card.name}: " + (f"listed on {listed}" if listed else "not listed"))
    if isinstance(body, LookupReply):
        return escape(f"mcf: {body.query}")
    if isinstance(body, ErrorReply):
        return escape(body.message)
    if isinstance(body, NoticeReply):
        return escape(body.text)
    if isinstance(body, CheckListReply):
        return escape(check_heading(body), 2900)
    return "mcf-bot help"


def response_type(reply: Reply) -> str:
    body = reply.body
    if isinstance(body, SourcesReply):  # chat shows the lists as a short list
        body = body.as_notice()
    return "in_channel" if isinstance(body, NoticeReply) and body.public else "ephemeral"


def as_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


# -- quick checks -----------------------------------------------------------------------

_ICONS = {
    Verdict.LISTED: ":red_circle:",
    Verdict.TIED: ":large_orange_circle:",
    Verdict.FORMER: ":white_circle:",
    Verdict.KNOWN: ":white_circle:",
    Verdict.AMBIGUOUS: ":grey_question:",
    Verdict.NONE: ":heavy_minus_sign:",
    Verdict.ERROR: ":warning:",
}


def check_line_text(line: CheckLine) -> str:
    """One compact line: what was asked, what it is, and the verdict with its reason."""
    text = f"{_ICONS[line.verdict]} *{escape(line.query, 200)}*"
    if line.name and line.name.casefold() != line.query.casefold():
        text += f" → {escape(line.name, 200)}"
    text += f": {line.reason(escape(line.detail, 600))}"
    if line.shows_how:
        text += f" _({escape(line.how or '', 100)})_"
    return text


def _line_accessory(line: CheckLine, i: int) -> BlockElement | None:
    if line.entity_id is not None:
        return ButtonElement(text="Card", action_id=f"{CARD_ACTION}_{i}", value=str(line.entity_id))
    options = _options((c.id, c.name) for c in line.candidates)
    if not options:
        return None
    return StaticSelectElement(
        placeholder="Did you mean…", action_id=f"{CARD_ACTION}_{i}", options=options[:5]
    )


def _options(entities: Any) -> list[Option]:
    seen: set[int] = set()
    options = []
    for entity_id, name in entities:
        if entity_id in seen:
            continue
        seen.add(entity_id)
        options.append(Option(text=plain(name, 75), value=str(entity_id)))
    return options


def check_list_blocks(
    reply: CheckListReply, note: str | None = None, *, shareable: bool = True
) -> list[Block]:
    """The compact list: a heading (with "Share in channel"), then one line per name with
    a button that opens its card; if the lines would need more blocks than a message
    holds, they are packed into text and the cards open from one menu."""
    heading = f"*{escape(check_heading(reply), 500)}*"
    share = None
    if shareable and reply.share_key and reply.lines:
        share = ButtonElement(
            text="Share in channel", action_id=SHARE_LIST_ACTION, value=reply.share_key
        )
    tail: list[Block] = []
    if reply.omitted:
        more = f"…and {reply.omitted} more. Ask about one with `/mcf <name>`."
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    if note:
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    texts = [check_line_text(line) for line in reply.lines]
    if 1 + len(texts) + len(tail) <= MAX_BLOCKS:
        blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading), accessory=share)]
        for i, (line, text) in enumerate(zip(reply.lines, texts, strict=True)):
            blocks.append(
                SectionBlock(text=MarkdownTextObject(text=text), accessory=_line_accessory(line, i))
            )
        return blocks + tail
    blocks = _sections(texts, heading.strip("*"))
    elements: list[InteractiveElement] = []
    options = _options(
        [(line.entity_id, line.name) for line in reply.lines if line.entity_id is not None]
        + [(c.id, c.name) for line in reply.lines for c in line.candidates]
    )
    if options:
        elements.append(
            StaticSelectElement(
                placeholder="Open a card…", action_id=f"{CARD_ACTION}_0", options=options[:100]
            )
        )
    if share is not None:
        elements.append(share)
    if elements:
        blocks.append(ActionsBlock(elements=elements))
    return blocks + tail


# -- App Home ---------------------------------------------------------------------------


def home_view(home: HomeReply) -> View:
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Quick checks", emoji=False)),
        SectionBlock(text=MarkdownTextObject(text="\n".join(f"• {h}" for h in home.how_to))),
        DividerBlock(),
        HeaderBlock(text=PlainTextObject(text="Recent registry changes", emoji=False)),
    ]
    changes = []
    for c in home.changes:
        line = f"`{c.date}` *{escape(c.name, 200)}*: {escape(c.what, 300)}"
        if c.source_url:
            line += f" · {_link(c.source_url, c.source_title or 'source')}"
        elif c.source_title:
            line += f" · _{escape(c.source_title, 200)}_"
        changes.append(line)
    blocks += (
        _sections(changes, "Last 20, newest first")
        if changes
        else [SectionBlock(text=MarkdownTextObject(text="Nothing recorded yet."))]
    )
    blocks += [
        DividerBlock(),
        HeaderBlock(text=PlainTextObject(text="Alerts in your channels", emoji=False)),
    ]
    if not home.channels_known:
        reason = escape(home.channels_note or "I could not list your channels.", 500)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=reason)))
    elif not home.channels:
        text = "None of your channels has alerts. In a channel, try `/mcf subscribe`."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    room = MAX_HOME_BLOCKS - len(blocks) - 1
    for ch in home.channels[:room]:
        where = f"<#{ch.channel_id}>" if _CHANNEL_ID.match(ch.channel_id) else "a channel"
        lines = "\n".join(f"• {escape(line, 300)}" for line in ch.lines[:20])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{where}*\n{lines}"[:2900])))
    return View(type="home", blocks=blocks)
