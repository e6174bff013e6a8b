"""Digests and watch alerts as Slack messages: every entry shown, split across as many
messages as Block Kit's limits need, never "and 60 more"."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.render.slack import SECTION_LIMIT, _link, escape
from handlers.alerts import Digest, changes_per_part
from registry.alerts import PlannedMessage

MAX_BLOCKS = 45  # Slack allows 50 per message; the part header and context take a few


def _entry_line(name: str, detail: str, url: str | None) -> str:
    line = f"• *{escape(name, 300)}*: {escape(detail, 300)}"
    if url:
        line += f" · {_link(url, 'source')}"
    return line


def digest_messages(digest: Digest) -> list[PlannedMessage]:
    """Pack the digest into messages; each carries the change ids of its own entries."""
    messages: list[tuple[list[Block], set[int]]] = [([], set())]

    def add(block: Block, ids: set[int]) -> None:
        if len(messages[-1][0]) >= MAX_BLOCKS:
            messages.append(([], set()))
        messages[-1][0].append(block)
        messages[-1][1].update(ids)

    for section in digest.sections:
        heading = f"*{escape(section.heading, 500)}*"
        chunk, ids = heading, set[int]()
        for entry in section.entries:
            line = _entry_line(entry.name, entry.detail, entry.url)
            if len(chunk) + len(line) + 1 > SECTION_LIMIT:
                add(SectionBlock(text=MarkdownTextObject(text=chunk)), ids)
                # Every block says what its entries are, even in a later message.
                chunk, ids = f"{heading} (continued)", set()
            chunk = f"{chunk}\n{line}" if chunk else line
            ids.update(entry.change_ids)
        add(SectionBlock(text=MarkdownTextObject(text=chunk)), ids)

    total = len(messages)
    headings = "; ".join(s.heading for s in digest.sections)
    owned = changes_per_part(digest, [ids for _, ids in messages])
    planned = []
    for i, ((blocks, _), mine) in enumerate(zip(messages, owned, strict=True), start=1):
        title = escape(digest.title, 300) + (f" (part {i} of {total})" if total > 1 else "")
        header = ContextBlock(elements=[MarkdownTextObject(text=f":bell: {title}")])
        all_blocks = [header, *blocks]
        for block in all_blocks:
            block.validate_json()
        payload: dict[str, Any] = {
            "text": escape(f"{digest.title}: {headings}", 2900),
            "blocks": [b.to_dict() for b in all_blocks],
        }
        planned.append(PlannedMessage(payload, mine))
    return planned
