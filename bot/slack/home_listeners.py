"""The App Home tab, published afresh each time a user opens it: recent registry
changes, the alerts of the channels they are in, and how to check names quickly."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack import home_view
from bot.slack.after_ack import acks_first
from bot.slack.common import runner
from handlers.context import Services
from handlers.home import HomeReply, home

log = logging.getLogger(__name__)

MAX_PAGES = 10  # 2,000 channels: more than anyone reads on a home tab


async def user_channels(client: AsyncWebClient, user: str) -> tuple[list[str] | None, str | None]:
    """The channels ``user`` is in that the bot can see (users.conversations), or None
    and why not."""
    ids: list[str] = []
    cursor = None
    try:
        for _ in range(MAX_PAGES):
            page = await client.users_conversations(
                user=user,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            channels: list[dict[str, Any]] = page.get("channels") or []
            ids += [str(c["id"]) for c in channels if c.get("id")]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        log.warning("users.conversations for %s failed: %s", user, error)
        return None, f"I could not list your channels (Slack said: {error})."
    return ids, None


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.event("app_home_opened")
    @acks_first
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        user = event["user"]
        channels, note = await user_channels(client, user)
        reply: HomeReply = await run(home, services, "slack", channels, note)
        await client.views_publish(user_id=user, view=home_view(reply))
