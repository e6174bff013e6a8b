"""Network pictures in Slack: ``/mcf graph NAME`` and the "Show network" button.

The picture is drawn in the pool (matplotlib is imported only there, and only now) and
uploaded into the conversation with ``files_upload_v2`` (``files.getUploadURLExternal``,
the upload, ``files.completeUploadExternal``), with alt text naming every organisation
and the caption as its comment. Whoever asked also gets the organisations as text,
privately: the answer where the picture cannot be posted (an app not in the channel).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.adaptive import picture_name
from bot.render.slack import GRAPH_ACTION, escape, message
from bot.slack.common import chosen_entity, runner
from handlers.context import Services
from handlers.dispatch import guarded
from handlers.errors import BadInput
from handlers.graph import graph_of
from handlers.replies import ErrorReply, GraphReply, Reply

log = logging.getLogger(__name__)

# Slack's limit on a file's alt text (files.getUploadURLExternal ``alt_txt``).
ALT_TEXT_CHARS = 1000


@dataclass(frozen=True)
class Picture:
    png: bytes
    filename: str
    title: str
    alt_text: str
    caption: str


def draw(reply: Reply) -> Picture | None:
    """The picture of a ``GraphReply`` (in the pool), or None for any other reply."""
    body = reply.body
    if not isinstance(body, GraphReply):
        return None
    from bot.render.graph import render  # matplotlib: only when a picture is drawn

    net = body.network
    return Picture(
        png=render(net),
        filename=picture_name(body),
        title=f"Network of {body.name}",
        alt_text=net.alt_text()[:ALT_TEXT_CHARS],
        caption=net.caption(),
    )


async def upload(
    client: AsyncWebClient, channel: str, picture: Picture, respond: AsyncRespond
) -> bool:
    """Post the picture into ``channel``; on failure, tell whoever asked, privately."""
    try:
        await client.files_upload_v2(
            channel=channel,
            file=picture.png,
            filename=picture.filename,
            title=picture.title,
            alt_txt=picture.alt_text,
            initial_comment=escape(f"{picture.title}. {picture.caption}."),
        )
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        log.warning("network picture upload to %s failed: %s", channel, error)
        failed = ErrorReply(
            f"I could not post the picture here ({error or 'upload failed'}).",
            "Invite me to this channel, or ask in a direct message with me.",
        )
        await respond(response_type="ephemeral", replace_original=False, **message(Reply(failed)))
        return False
    return True


def _channel(body: dict[str, Any]) -> str:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    if not channel:
        raise BadInput("I cannot tell which conversation this button is in.")
    return str(channel)


def drawn(reply: Reply) -> tuple[Reply, Picture | None]:
    """``draw``, with a failure to draw a reply like any other error."""
    try:
        return reply, draw(reply)
    except Exception:  # a drawing error must still answer whoever asked
        log.exception("drawing a network picture failed")
        failed = ErrorReply("I could not draw that picture; the error has been logged.")
        return Reply(failed), None


def picture_of(services: Services, action: dict[str, Any]) -> tuple[Reply, Picture | None]:
    """The button's organisation, drawn (in the pool; errors become replies)."""
    reply = guarded(lambda: graph_of(services, chosen_entity(action)), what="network picture")
    return drawn(reply)


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.action(GRAPH_ACTION)
    async def show_network(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        reply, picture = await run(picture_of, services, body["actions"][0])
        if picture is None:
            await respond(response_type="ephemeral", replace_original=False, **message(reply))
            return
        await upload(client, _channel(body), picture, respond)
