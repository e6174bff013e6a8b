"""``@mcf Baidu`` / ``@mcf check A; B`` in a channel or thread: the answer goes to the
thread, for everyone in it. Thin: parse, run the handler in the pool, render, post."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.pools import pool_for
from bot.render.slack import message
from bot.slack.after_ack import acks_first
from bot.slack.common import AdminGroups, is_retry, readable, runner
from handlers.context import ChatContext, Services
from handlers.dispatch import handle, read, writes
from handlers.replies import Reply


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    admin_groups = AdminGroups(services)

    @app.event("app_mention")
    @acks_first
    async def mentioned(
        event: dict[str, Any], client: AsyncWebClient, request: AsyncBoltRequest
    ) -> None:
        if is_retry(request):
            return  # the first delivery was acknowledged and is being answered
        channel = event.get("channel", "")
        # "<@UBOT> check A; B": the mention itself reads as nothing.
        typed = read(readable(event.get("text")))  # parsed once for this request
        user = event.get("user")
        chat = ChatContext(
            platform="slack",
            channel_id=channel,
            team_id=event.get("team"),
            user_id=user,
            groups=await admin_groups.of(client, user) if writes(typed) else frozenset(),
        )
        reply: Reply = await runner(pool_for(executor, typed))(handle, services, typed, chat)
        await client.chat_postMessage(
            channel=channel,
            thread_ts=event.get("thread_ts") or event.get("ts"),
            **message(reply, public=True),
            unfurl_links=False,
            unfurl_media=False,
        )
