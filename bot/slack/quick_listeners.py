"""The buttons of quick checks: open one organisation's card privately, and share a
whole check list in the channel. Thin: ack, run the handler in the thread pool, render."""

from __future__ import annotations

import re
from concurrent.futures import Executor
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.render.slack import (
    CARD_ACTION,
    SHARE_LIST_ACTION,
    as_dicts,
    check_list_blocks,
    fallback_text,
)
from bot.slack.after_ack import acks_first
from bot.slack.common import answer_privately, open_entity, runner, shared_by
from handlers import quick
from handlers.context import Services
from handlers.dispatch import guarded
from handlers.replies import CheckListReply, ErrorReply, Reply


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.action(re.compile(rf"^{CARD_ACTION}_\d+$"))
    @acks_first
    async def open_card(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply: Reply = await run(
            guarded, open_entity, services, body["actions"][0], what="open card"
        )
        # A new private message beside the list: the list stays, the card can be shared.
        await answer_privately(respond, reply)

    @app.action(SHARE_LIST_ACTION)
    @acks_first
    async def share_list(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        key = str(body["actions"][0].get("value") or "")
        reply: Reply = await run(guarded, quick.reshare, services, key, what="share list")
        if not isinstance(reply.body, CheckListReply):
            assert isinstance(reply.body, ErrorReply)
            await answer_privately(respond, reply)
            return
        note = shared_by(body)
        await respond(
            response_type="in_channel",
            replace_original=False,
            delete_original=True,
            text=fallback_text(reply),
            blocks=as_dicts(check_list_blocks(reply.body, note, shareable=False)),
        )
