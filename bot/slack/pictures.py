"""Files the bot posts in Slack: network pictures (``/mcf graph NAME`` and the "Show
network" button) and evidence reports (``/mcf report NAME``, a PDF).

The picture is drawn in the pool (matplotlib is imported only there, and only now) and
uploaded into the conversation with ``files_upload_v2`` (``files.getUploadURLExternal``,
the upload, ``files.completeUploadExternal``), with alt text naming every organisation
and the caption as its comment. Whoever asked also gets the organisations as text,
privately: the answer where the picture cannot be posted (an app not in the channel).
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.adaptive import picture_name
from bot.render.slack import GRAPH_ACTION, escape, message
from bot.slack.after_ack import acks_first
from bot.slack.common import chosen_entity, runner
from handlers.context import Services
from handlers.dispatch import guarded
from handlers.errors import BadInput
from handlers.graph import graph_of
from handlers.records import read
from handlers.replies import ErrorReply, GraphReply, LookupReply, Reply

log = logging.getLogger(__name__)

# Slack's limit on a file's alt text (files.getUploadURLExternal ``alt_txt``).
ALT_TEXT_CHARS = 1000
REPORT_NAME_CHARS = 60  # of the organisation's name in a report's file name


@dataclass(frozen=True)
class Picture:
    """A file to post: a PNG picture, or the PDF of a report (no alt text)."""

    data: bytes
    filename: str
    title: str
    alt_text: str
    caption: str
    # A report is evidence of one person's screening (records are theirs and the
    # admins'): it goes to that person's direct message with the bot, not the channel.
    private: bool = False


def draw(reply: Reply) -> Picture | None:
    """The picture of a ``GraphReply`` (in the pool), or None for any other reply."""
    body = reply.body
    if not isinstance(body, GraphReply):
        return None
    from bot.render.graph import render  # matplotlib: only when a picture is drawn

    net = body.network
    return Picture(
        data=render(net),
        filename=picture_name(body),
        title=f"Network of {body.name}",
        alt_text=net.alt_text()[:ALT_TEXT_CHARS],
        caption=net.caption(),
    )


async def upload(
    client: AsyncWebClient,
    channel: str,
    picture: Picture,
    respond: AsyncRespond,
    user: str | None = None,
) -> bool:
    """Post the picture into ``channel`` (a private one into ``user``'s direct message
    with the bot); on failure, tell whoever asked, privately."""
    try:
        if picture.private:
            opened = await client.conversations_open(users=user or "")
            channel = str((opened.get("channel") or {}).get("id") or "")
            if not channel:
                raise SlackApiError("no direct message", opened)
        await client.files_upload_v2(
            channel=channel,
            file=picture.data,
            filename=picture.filename,
            title=picture.title,
            alt_txt=picture.alt_text or None,
            initial_comment=escape(f"{picture.title}. {picture.caption}."),
        )
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        log.warning("upload of %s to %s failed: %s", picture.filename, channel, error)
        failed = ErrorReply(
            f"I could not post the file here ({error or 'upload failed'}).",
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


def report_of(services: Services, reply: Reply) -> Picture | None:
    """The evidence PDF of a ``/mcf report`` answer with a card (in the pool), with the
    record the answer left; None for any other reply."""
    body = reply.body
    if not reply.report or not isinstance(body, LookupReply) or body.card is None:
        return None
    from bot import report_pdf  # fpdf2: only when a report is made

    record = read(services, None, reply.records[0]) if reply.records else None
    kept = f"record #{record.id}, SHA-256 {record.answer_sha256}" if record else "not recorded"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", body.card.name).strip("-")[:REPORT_NAME_CHARS]
    return Picture(
        data=report_pdf.render(reply, record),
        filename=f"mcf-report-{slug or 'organisation'}.pdf",
        title=f"Evidence report: {body.card.name}",
        alt_text="",
        caption=kept,
        private=True,
    )


def files_of(services: Services, reply: Reply) -> tuple[Reply, Picture | None]:
    """What a ``/mcf`` answer posts besides its message: a network picture or a report;
    a failure to make it answers like any other error."""
    reply, picture = drawn(reply)
    try:
        return reply, picture or report_of(services, reply)
    except Exception:  # a PDF error must still answer whoever asked
        log.exception("making an evidence report failed")
        failed = ErrorReply("I could not make that report; the error has been logged.")
        return Reply(failed), None


def picture_of(services: Services, action: dict[str, Any]) -> tuple[Reply, Picture | None]:
    """The button's organisation, drawn (in the pool; errors become replies)."""
    reply = guarded(lambda: graph_of(services, chosen_entity(action)), what="network picture")
    return drawn(reply)


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.action(GRAPH_ACTION)
    @acks_first
    async def show_network(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        reply, picture = await run(picture_of, services, body["actions"][0])
        if picture is None:
            await respond(response_type="ephemeral", replace_original=False, **message(reply))
            return
        await upload(client, _channel(body), picture, respond)
