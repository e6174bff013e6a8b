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
from bot.render.text import KINDS
from handlers.alerts import Digest
from handlers.replies import (
    CandidateView,
    EntityCard,
    ErrorReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
)
from registry.alerts import PlannedMessage
from registry.lookup import MatchStatus

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the highest Teams renders for bots
SHOW_ACTION = "mcf_show"  # Action.Submit data: {"mcf_action": "mcf_show", "entity_id": 42}
MAX_TIES = 25
MAX_CANDIDATES = 5
# Teams refuses messages over about 28 KB; keep each card's JSON well under it.
CARD_BUDGET = 20_000
Element = dict[str, Any]


def clip(text: str | None, limit: int = 1000) -> str:
    if not text:
        return ""
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


def show_action(candidate: CandidateView) -> Element:
    return {
        "type": "Action.Submit",
        "title": clip(candidate.name, 75),
        "data": {"mcf_action": SHOW_ACTION, "entity_id": candidate.id},
    }


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
    if isinstance(body, LookupReply):
        return lookup_card(body)
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
    else:
        text = "mcf-bot"
    return clip(text, 300)


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
    shown: set[int] = set().union(*(ids for _, ids in parts))
    seen: set[int] = set()
    planned = []
    for i, (elements, ids) in enumerate(parts, start=1):
        title = clip(digest.title, 300) + (f" (part {i} of {total})" if total > 1 else "")
        top = rich(run("🔔 "), run(title, weight="Bolder"))
        headings = "; ".join(s.heading for s in digest.sections)
        payload: dict[str, Any] = {
            "text": clip(f"{digest.title}: {headings}", 2000),
            "card": card([top, *elements]),
        }
        mine = ids - seen
        if i == 1:
            mine |= set(digest.change_ids) - shown  # changes without a line ride on part 1
        seen |= mine
        planned.append(PlannedMessage(payload, sorted(mine)))
    return planned
