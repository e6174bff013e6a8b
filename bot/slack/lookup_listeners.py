"""``/mcf`` and its buttons. Thin: ack, run the handler in the thread pool, render."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from concurrent.futures import Executor
from functools import partial
from typing import Any

import orjson
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.pools import pool_for, settled
from bot.render.slack import (
    MORE_ACTION,
    PICK_ACTION,
    SHARE_ACTION,
    as_dicts,
    card_blocks,
    fallback_text,
    message,
    response_type,
)
from bot.slack.after_ack import acks_first, later
from bot.slack.common import (
    AdminGroups,
    Runner,
    answer_privately,
    open_entity,
    readable,
    runner,
    shared_by,
)
from bot.slack.pictures import Picture, files_of, upload
from bot.slack.record_listeners import with_decision_button
from handlers.context import ChatContext, Services
from handlers.dispatch import Typed, from_memory, guarded, read, respond, writes
from handlers.records import Recording, recorded
from handlers.replies import LookupReply, Reply
from registry.records import Requester

log = logging.getLogger(__name__)

# Slack wants the acknowledgement within 3 s. Answers that are ready by then travel in
# the acknowledgement itself; slower ones follow through the response_url.
INLINE_BUDGET_S = 2.0


def answer(
    services: Services, typed: Typed, chat: ChatContext, recording: Recording | None = None
) -> tuple[Recording, str, dict[str, Any], Picture | None]:
    """A ``/mcf`` answer: the reply with its records on their way, rendered (a card comes
    from the render cache), whether the channel sees it, and a picture to upload (``/mcf
    graph``). In the pool; on the event loop when ``recording``, the reply, was made from
    memory (``from_memory``: a lookup, which has no picture or PDF to make)."""
    recording = recording or respond(services, typed, chat)
    if recording.reply.report:  # the evidence PDF names its record: kept before it is made
        recording = Recording(recording.settled())
    reply, picture = files_of(services, recording.reply)
    return recording, response_type(reply), message(reply), picture


async def once_kept(run: Runner, recording: Recording, rendered: dict[str, Any]) -> dict[str, Any]:
    """``rendered`` once the reply's records are kept, with the button to decide on the
    record; if they could not be kept, the reply rendered again with the note saying so
    (rare: a long import holds the database)."""
    reply = await settled(recording)
    if reply.notes != recording.reply.notes:
        rendered = await run(message, reply)
    return with_decision_button(rendered, reply)


async def follow_up(
    answering: Awaitable[tuple[str, dict[str, Any], Picture | None]],
    respond: AsyncRespond,
    client: AsyncWebClient,
    channel: str,
    user: str | None,
) -> None:
    """An answer that missed the acknowledgement (``INLINE_BUDGET_S``), sent when ready
    through the response_url in place of the "Looking that up…" placeholder."""
    kind, reply, picture = await answering
    public = kind == "in_channel"
    await respond(
        response_type=kind,
        # An answer for the channel (a change to its alerts) is a new message that
        # everyone sees; the private placeholder goes.
        replace_original=not public,
        delete_original=public,
        **reply,
    )
    if picture is not None:
        await upload(client, channel, picture, respond, user)


def acknowledgement(kind: str, message: dict[str, Any]) -> BoltResponse:
    """An answer as the acknowledgement itself: what ``ack(response_type=kind,
    **message)`` sends, serialised by orjson (``json.dumps`` of a card's 15 kB of blocks
    was 9% of the event loop's time under load). The listener returns it, and Bolt sends
    it as Slack's HTTP answer (``process_before_response``; in Socket Mode, as the
    envelope's payload)."""
    return BoltResponse(status=200, body=orjson.dumps({**message, "response_type": kind}).decode())


def _who(body: dict[str, Any]) -> Requester | None:
    """Who pressed a button, where: what a screening record names."""
    user = str((body.get("user") or {}).get("id") or "")
    if not user:
        return None
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Requester("slack", user, (body.get("team") or {}).get("id"), channel)


def register(app: AsyncApp, services: Services, executor: Executor) -> None:
    run = runner(executor)

    admin_groups = AdminGroups(services)

    @app.command("/mcf")
    async def mcf_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> BoltResponse | None:
        typed = read(readable(command.get("text", "")))  # parsed once for this request
        user = command.get("user_id")
        chat = ChatContext(
            platform="slack",
            channel_id=command.get("channel_id", ""),
            team_id=command.get("team_id"),
            user_id=user,
            groups=await admin_groups.of(client, user) if writes(typed) else frozenset(),
        )
        call = runner(pool_for(executor, typed))
        known = from_memory(services, typed, chat)
        if known is not None:  # a lookup answered from memory, on the loop: no pool
            recording, kind, rendered, _ = answer(services, typed, chat, known)
            return acknowledgement(kind, await once_kept(call, recording, rendered))

        async def whole() -> tuple[str, dict[str, Any], Picture | None]:
            recording, kind, rendered, picture = await call(answer, services, typed, chat)
            return kind, await once_kept(call, recording, rendered), picture

        task = asyncio.ensure_future(whole())
        # (``wait`` leaves the task running when the budget is spent: no shield needed.)
        done, _ = await asyncio.wait((task,), timeout=INLINE_BUDGET_S)
        if not done:
            await ack(response_type="ephemeral", text="Looking that up…")
            later(follow_up(task, respond, client, chat.channel_id, user), respond)
            return None
        kind, reply, picture = task.result()
        if picture is not None:
            later(upload(client, chat.channel_id, picture, respond, user), respond)
        return acknowledgement(kind, reply)

    @app.action(SHARE_ACTION)
    @acks_first
    async def share(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply: Reply = await run(guarded, open_entity, services, body["actions"][0], what="share")
        reply = await run(recorded, services, _who(body), "share", reply)
        body_ = reply.body
        if not isinstance(body_, LookupReply) or body_.card is None:
            await answer_privately(respond, reply)
            return
        note = shared_by(body)
        await respond(
            response_type="in_channel",
            replace_original=False,
            delete_original=True,
            text=fallback_text(reply),
            blocks=as_dicts(card_blocks(body_.card, note, shareable=False)),
        )

    @app.action(re.compile(rf"^{PICK_ACTION}_\d+$"))
    @acks_first
    async def pick(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply: Reply = await run(guarded, open_entity, services, body["actions"][0], what="pick")
        reply = await run(recorded, services, _who(body), "pick", reply)
        await respond(
            response_type="ephemeral",
            replace_original=True,
            **message(reply),
        )

    @app.action(MORE_ACTION)
    @acks_first
    async def more(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        # "N more ties": the same card with every tie, in place of a private short one;
        # beside a card shared in the channel, privately, leaving the shared one as it is.
        await ack()
        whole = partial(open_entity, full=True)
        reply: Reply = await run(guarded, whole, services, body["actions"][0], what="more ties")
        await respond(
            response_type="ephemeral",
            replace_original=bool((body.get("container") or {}).get("is_ephemeral")),
            **message(reply),
        )
