"""The message shortcut "Check organisations": every registry organisation named in a
message, answered privately to whoever asked. Thin: ack, scan in the pool, render."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.render.slack import as_dicts, fallback_text, reply_blocks
from bot.slack.after_ack import acks_first
from bot.slack.common import message_text, runner
from handlers.context import Services
from handlers.dispatch import guarded
from handlers.quick import scan_message
from handlers.replies import Reply

# The callback id in manifest.yml (features.shortcuts).
SCAN_SHORTCUT = "mcf_check_message"


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.message_shortcut(SCAN_SHORTCUT)
    @acks_first
    async def check_message(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        text = message_text(shortcut.get("message") or {})
        reply: Reply = await run(guarded, scan_message, services, text, what="message scan")
        await respond(
            response_type="ephemeral",
            replace_original=False,
            text=fallback_text(reply),
            blocks=as_dicts(reply_blocks(reply)),
        )
