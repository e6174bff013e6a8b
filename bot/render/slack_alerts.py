"""Digests and watch alerts as Slack messages, from the digest's layout
(``bot.render.layout.digest_layout``): every entry shown, split across as many messages
as Block Kit's limits need, never "and 60 more"."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from bot.render.layout import digest_layout
from bot.render.slack import SECTION_LIMIT, escape, line_text, mrkdwn
from handlers.digests import Digest, changes_per_part
from registry.alert_planning import PlannedMessage

MAX_BLOCKS = 45  # Slack allows 50 per message; the part header and context take a few
# Characters of blocks (as JSON) per message. Slack documents 50 blocks, 3,000 characters
# per section text and 12,000 per markdown block (https://docs.slack.dev/reference/
# block-kit/blocks), but refuses messages whose blocks total about 13,200 characters with
# msg_blocks_too_long, below any documented limit (slackapi/bolt-js#2509). Packing stays
# well under both, headroom for the part header included.
MAX_MESSAGE_CHARS = 10_000
HEADER_RESERVE = 600  # the ":bell: title (part i of n)" context block


def block_chars(block: Block) -> int:
    return len(json.dumps(block.to_dict(), ensure_ascii=False))


def digest_messages(digest: Digest) -> list[PlannedMessage]:
    """Pack the digest into messages; each carries the change ids of its own entries."""
    lay = digest_layout(digest)
    messages: list[tuple[list[Block], set[int]]] = [([], set())]
    sizes = [HEADER_RESERVE]

    def add(block: Block, ids: set[int]) -> None:
        size = block_chars(block)
        full = sizes[-1] + size > MAX_MESSAGE_CHARS
        if messages[-1][0] and (len(messages[-1][0]) >= MAX_BLOCKS or full):
            messages.append(([], set()))
            sizes.append(HEADER_RESERVE)
        messages[-1][0].append(block)
        messages[-1][1].update(ids)
        sizes[-1] += size

    for section in lay.sections:
        heading = f"*{escape(section.heading, 500)}*"
        chunk, ids = heading, set[int]()
        for line in section.lines:
            text = line_text(line)
            if len(chunk) + len(text) + 1 > SECTION_LIMIT:
                add(SectionBlock(text=mrkdwn(chunk)), ids)
                # Every block says what its entries are, even in a later message.
                chunk, ids = f"{heading} (continued)", set()
            chunk = f"{chunk}\n{text}" if chunk else text
            ids.update(line.keys)
        add(SectionBlock(text=mrkdwn(chunk)), ids)

    total = len(messages)
    owned = changes_per_part(digest, [ids for _, ids in messages])
    planned = []
    for i, ((blocks, _), mine) in enumerate(zip(messages, owned, strict=True), start=1):
        title = escape(lay.title, 300) + (f" (part {i} of {total})" if total > 1 else "")
        header = ContextBlock(elements=[mrkdwn(f":bell: {title}")])
        all_blocks = [header, *blocks]
        for block in all_blocks:
            block.validate_json()
        payload: dict[str, Any] = {
            "text": escape(lay.summary, 2900),
            "blocks": [b.to_dict() for b in all_blocks],
        }
        planned.append(PlannedMessage(payload, mine))
    return planned
