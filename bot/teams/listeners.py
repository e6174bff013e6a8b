"""Messages, card buttons and the "Check organisations" message action. Thin: parse,
run the handler in the thread pool, render."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from concurrent.futures import Executor
from functools import partial
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.pools import pool_for, settled
from bot.render.adaptive import (
    CARD_CONTENT_TYPE,
    SHOW_ACTION,
    attachment,
    clip,
    data_uri,
    message_parts,
    picture_name,
    reply_card,
)
from bot.teams.conversation import chat_context, command_text, payload_text
from bot.teams.records import decision_of, with_decision_form
from handlers.context import ChatContext, Services
from handlers.dispatch import from_memory, guarded, handle, read
from handlers.errors import CommandError, to_reply
from handlers.graph import graph_of
from handlers.lookup import help_reply, show
from handlers.quick import scan_message
from handlers.records import decide
from handlers.replies import ErrorReply, GraphReply, LookupReply, NoticeReply, Reply
from registry.records import Requester

# The message action's command id (package.py writes it into the manifest's
# composeExtensions). Teams sends it in composeExtension/submitAction invokes.
SCAN_COMMAND = "mcfCheckMessage"
SCAN_TITLE = "Check organisations in this message"
# With fetchTask false Teams sends submitAction straight away; fetchTask true would send
# fetchTask first. Both get the same answer, so the manifest flag alone decides.
EXTENSION_INVOKES = re.compile(r"^composeExtension/(submitAction|fetchTask)$")

log = logging.getLogger(__name__)


class SharedCard(dict[str, Any]):
    """A rendered Adaptive Card, as sent. Cards are shared (the render cache keeps them)
    and never changed once built, so a deep copy of one is the card itself: the SDK
    deep-copies every activity it sends (``TurnContext.send_activities``), and a card of
    a few thousand objects cost more to copy than to serialise. Serialised as a dict."""

    __slots__ = ()

    def __deepcopy__(self, _memo: dict[int, Any]) -> SharedCard:
        return self


def card_message(card: dict[str, Any], text: str) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        summary=text,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=SharedCard(card))],
    )


def reply_message(reply: Reply) -> Activity:
    card, text = message_parts(reply)
    return card_message(with_decision_form(card, reply), text)


def dialog(reply: Reply, title: str) -> dict[str, Any]:
    """A message extension's answer as a Teams dialog (a task module "continue"): shown
    to the person who took the action, and to no one else. Its buttons come back as
    submitAction invokes with the button's data (a card opens in the same dialog)."""
    task = {"title": clip(title, 64), "height": "large", "width": "large"}
    return {"task": {"type": "continue", "value": task | {"card": attachment(reply_card(reply))}}}


def _chosen(value: Any) -> int | None:
    """The entity id of a "did you mean" button (Action.Submit data), if this is one."""
    if not isinstance(value, dict) or value.get("mcf_action") != SHOW_ACTION:
        return None
    try:
        return int(value["entity_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _full(value: Any) -> bool:
    """The "N more ties" button asks for the whole card."""
    return isinstance(value, dict) and value.get("full") is True


TEAMS_REPORT_NOTE = (
    "The PDF report is not sent in Teams: make it with `mcf-bot report NAME -o report.pdf` "
    "or `/mcf report NAME` in Slack."
)


def _graph(value: Any) -> bool:
    """The "Show network" button asks for a picture."""
    return isinstance(value, dict) and value.get("graph") is True


def picture_message(reply: Reply) -> Activity:
    """A network picture (drawn here, in the pool) as an inline image, beside the card
    that lists its organisations: its alt text names them all."""
    from bot.render.graph import render  # matplotlib: only when a picture is asked for

    body = reply.body
    assert isinstance(body, GraphReply)
    message = reply_message(reply)
    image = Attachment(
        content_type="image/png",
        content_url=data_uri(render(body.network), "image/png"),
        name=picture_name(body),
    )
    message.attachments = [image, *(message.attachments or [])]
    return message


def _decide(
    services: Services, chat: ChatContext, record_id: int, decision: str, note: str | None
) -> NoticeReply:
    who = Requester("teams", chat.user_id or "", chat.team_id, chat.channel_id)
    view = decide(services, who, record_id, decision, note)
    last = view.decisions[-1]
    return NoticeReply(
        f"Decision recorded on record #{view.id}: {last.decision.replace('_', ' ')}."
    )


def register(app: AgentApplication[TurnState], services: Services, executor: Executor) -> None:
    async def run(fn: Any, *args: Any, pool: Executor = executor, **kwargs: Any) -> Any:
        call = partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(pool, call)

    async def open_entry(entity_id: int, full: bool = False) -> Reply:
        try:
            return Reply(await run(show, services, entity_id, full=full))
        except Exception as exc:
            if not isinstance(exc, CommandError):
                log.exception("opening entity %s failed", entity_id)
            return Reply(to_reply(exc))

    @app.conversation_update("membersAdded")
    async def welcome(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await context.send_activity(reply_message(Reply(help_reply())))

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        entity_id = _chosen(activity.value)
        decision = decision_of(activity.value)
        if decision is not None:
            reply = await run(guarded, _decide, services, chat_context(activity), *decision)
        elif entity_id is not None and _graph(activity.value):
            reply = await run(guarded, graph_of, services, entity_id, what="network picture")
        elif entity_id is not None:
            reply = await open_entry(entity_id, _full(activity.value))
        elif activity.value is not None and not activity.text:
            reply = Reply(ErrorReply("That button is not one of mine.", "Try `@mcf help`."))
        else:
            typed = read(command_text(activity.text))  # parsed once for this request
            chat = chat_context(activity)
            known = from_memory(services, typed, chat)  # a lookup answered on the loop
            if known is not None:
                reply = await settled(known)
            else:
                reply = await run(handle, services, typed, chat, pool=pool_for(executor, typed))
        if reply.report:
            # Teams takes a bot's files only through a consent card and the user's
            # OneDrive, which this bot does not use: the answer says where the PDF is made.
            reply = dataclasses.replace(reply, notes=(*reply.notes, TEAMS_REPORT_NOTE))
        if isinstance(reply.body, GraphReply):
            await context.send_activity(await run(picture_message, reply))
            return
        await context.send_activity(reply_message(reply))

    @app.invoke(EXTENSION_INVOKES)
    async def on_message_action(context: TurnContext, _state: TurnState) -> None:
        # value: {"commandId", "commandContext": "message", "messagePayload": {"subject",
        # "body": {"contentType": "html"|"text", "content"}, ...}, "data": {...}}
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        entity_id = _chosen(value.get("data"))
        if entity_id is not None:
            reply = await open_entry(entity_id, _full(value.get("data")))
            body = reply.body
            title = body.card.name if isinstance(body, LookupReply) and body.card else "mcf"
        elif value.get("commandId") == SCAN_COMMAND:
            text = payload_text(value.get("messagePayload"))
            reply = await run(guarded, scan_message, services, text, what="message scan")
            title = SCAN_TITLE
        else:
            reply = Reply(ErrorReply("That action is not one of mine.", "Try `@mcf help`."))
            title = "mcf"
        response = InvokeResponse(status=200, body=dialog(reply, title))
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))

    @app.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        # Handlers turn their own errors into replies; this is rendering or sending.
        log.error("Teams turn failed", exc_info=error)
        fallback = ErrorReply(
            "Something went wrong on our side while answering; the error has been logged.",
            "Try again in a moment.",
        )
        await context.send_activity(reply_message(Reply(fallback)))
