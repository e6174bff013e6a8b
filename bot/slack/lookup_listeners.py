"""``/mcf`` and its buttons. Thin: ack, run the handler in the thread pool, render."""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import Executor
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.render.slack import (
    MORE_ACTION,
    PICK_ACTION,
    SHARE_ACTION,
    as_dicts,
    card_blocks,
    fallback_text,
    reply_blocks,
    response_type,
)
from bot.slack.common import readable, runner, shared_by
from handlers.context import ChatContext, Services
from handlers.dispatch import handle
from handlers.lookup import show
from handlers.replies import Reply

log = logging.getLogger(__name__)

# Slack wants the acknowledgement within 3 s. Answers that are ready by then travel in
# the acknowledgement itself; slower ones follow through the response_url.
INLINE_BUDGET_S = 2.0


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.command("/mcf")
    async def mcf_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        chat = ChatContext(
            platform="slack",
            channel_id=command.get("channel_id", ""),
            team_id=command.get("team_id"),
            user_id=command.get("user_id"),
        )
        text = readable(command.get("text", ""))
        task = asyncio.ensure_future(run(handle, services, text, chat))
        try:
            reply: Reply = await asyncio.wait_for(asyncio.shield(task), INLINE_BUDGET_S)
        except TimeoutError:
            await ack(response_type="ephemeral", text="Looking that up…")
            reply = await task
            await respond(
                response_type=response_type(reply),
                replace_original=True,
                text=fallback_text(reply),
                blocks=as_dicts(reply_blocks(reply)),
            )
            return
        await ack(
            response_type=response_type(reply),
            text=fallback_text(reply),
            blocks=as_dicts(reply_blocks(reply)),
        )

    @app.action(SHARE_ACTION)
    async def share(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        entity_id = int(body["actions"][0]["value"])
        reply = await run(show, services, entity_id)
        assert reply.card is not None
        note = shared_by(body)
        await respond(
            response_type="in_channel",
            replace_original=False,
            delete_original=True,
            text=fallback_text(Reply(reply)),
            blocks=as_dicts(card_blocks(reply.card, note, shareable=False)),
        )

    @app.action(re.compile(rf"^{PICK_ACTION}_\d+$"))
    async def pick(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        entity_id = int(body["actions"][0]["value"])
        reply = Reply(await run(show, services, entity_id))
        await respond(
            response_type="ephemeral",
            replace_original=True,
            text=fallback_text(reply),
            blocks=as_dicts(reply_blocks(reply)),
        )

    @app.action(MORE_ACTION)
    async def more(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        # "N more ties": the same card with every tie, in place of a private short one;
        # beside a card shared in the channel, privately, leaving the shared one as it is.
        await ack()
        entity_id = int(body["actions"][0]["value"])
        reply = Reply(await run(show, services, entity_id, full=True))
        await respond(
            response_type="ephemeral",
            replace_original=bool((body.get("container") or {}).get("is_ephemeral")),
            text=fallback_text(reply),
            blocks=as_dicts(reply_blocks(reply)),
        )
