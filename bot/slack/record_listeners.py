"""Screening records in Slack: the "Record decision" button and its modal, and partner
files shared with the bot in a DM (screened, results uploaded with ``files_upload_v2``).
Thin: ack, run the handler in the pool, answer."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.file_screening import MAX_FILE_BYTES, is_partner_file, screen_upload
from bot.partner_files import PartnerFileError
from bot.slack.after_ack import acks_first
from bot.slack.common import is_retry, runner
from handlers.context import Services
from handlers.errors import CommandError
from handlers.records import decide
from handlers.replies import LookupReply, Reply
from registry.records import Decision, Requester

log = logging.getLogger(__name__)

RECORD_ACTION = "mcf_record_decision"
DECIDE_VIEW = "mcf_record_decide"
_DECISION_BLOCK, _DECISION_INPUT = "decision", "decision_choice"
_NOTE_BLOCK, _NOTE_INPUT = "note", "note_text"
_CHOICES = (
    (Decision.CLEARED, "Cleared"),
    (Decision.ESCALATE, "Escalate"),
    (Decision.DO_NOT_PROCEED, "Do not proceed"),
)


def with_decision_button(message: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """``message`` (shared by the render cache: never changed) with a "Record decision"
    button after the card, when the reply is one organisation's card and left a record."""
    body = reply.body
    if len(reply.records) != 1 or not isinstance(body, LookupReply) or body.card is None:
        return message
    button = {
        "type": "actions",
        "block_id": "mcf_record",
        "elements": [
            {
                "type": "button",
                "action_id": RECORD_ACTION,
                "text": {"type": "plain_text", "text": "Record decision"},
                "value": str(reply.records[0]),
            }
        ],
    }
    return {**message, "blocks": [*message.get("blocks", []), button]}


def decision_modal(record_id: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": DECIDE_VIEW,
        "private_metadata": str(record_id),
        "title": {"type": "plain_text", "text": "Record decision"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": _DECISION_BLOCK,
                "label": {"type": "plain_text", "text": f"Decision on record #{record_id}"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": _DECISION_INPUT,
                    "options": [
                        {"text": {"type": "plain_text", "text": label}, "value": value.value}
                        for value, label in _CHOICES
                    ],
                },
            },
            {
                "type": "input",
                "block_id": _NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": _NOTE_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }


def submitted(view: dict[str, Any]) -> tuple[int, str, str | None]:
    """The record id, decision and note of a submitted modal."""
    values = (view.get("state") or {}).get("values") or {}
    choice = ((values.get(_DECISION_BLOCK) or {}).get(_DECISION_INPUT) or {}).get(
        "selected_option"
    ) or {}
    note = ((values.get(_NOTE_BLOCK) or {}).get(_NOTE_INPUT) or {}).get("value")
    metadata = str(view.get("private_metadata") or "")
    if not metadata.isdigit():
        raise CommandError("That form is not one of mine.")
    return int(metadata), str(choice.get("value") or ""), note


async def _download(client: AsyncWebClient, url: str) -> bytes:
    """A file's bytes from Slack (``url_private`` needs the bot token), bounded."""
    headers = {"Authorization": f"Bearer {client.token}"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url, headers=headers) as r:
        r.raise_for_status()
        data = await r.content.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise PartnerFileError(
            f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.",
            "Split it into smaller files.",
        )
    return data


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    @app.action(RECORD_ACTION)
    @acks_first
    async def open_decision(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        if not value.isdigit():
            return  # not a button we made
        await client.views_open(trigger_id=body["trigger_id"], view=decision_modal(int(value)))

    @app.view(DECIDE_VIEW)
    async def record_decision(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body.get("user") or {}
        who = Requester("slack", str(user.get("id") or ""), user.get("team_id"))
        try:
            record_id, decision, note = submitted(view)
            await run(decide, services, who, record_id, decision, note)
        except CommandError as exc:
            await ack(response_action="errors", errors={_DECISION_BLOCK: exc.message[:150]})
            return
        await ack(response_action="clear")

    @app.event({"type": "message", "subtype": "file_share"})
    @acks_first
    async def file_shared(
        event: dict[str, Any], client: AsyncWebClient, request: AsyncBoltRequest
    ) -> None:
        if is_retry(request) or event.get("channel_type") != "im" or event.get("bot_id"):
            return  # files are screened in a DM with the bot
        channel = event.get("channel", "")
        who = Requester("slack", str(event.get("user") or ""), event.get("team"), channel)
        for shared in event.get("files") or []:
            name = str(shared.get("name") or "")
            if not is_partner_file(name):
                continue
            try:
                data = await _download(client, shared.get("url_private_download") or "")
                done = await run(screen_upload, services, data, name, who)
            except PartnerFileError as exc:
                await client.chat_postMessage(channel=channel, text=str(exc))
                continue
            await client.files_upload_v2(
                channel=channel,
                file=done.data,
                filename=done.filename,
                title=done.filename,
                initial_comment=done.summary,
                thread_ts=event.get("thread_ts"),
            )
