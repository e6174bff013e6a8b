"""What every listener module shares: running a handler off the event loop, and
reading the text of a Slack message as a person wrote it."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from bot.render.slack import message
from handlers.context import Services
from handlers.errors import BadInput
from handlers.lookup import show
from handlers.replies import Reply

Runner = Callable[..., Awaitable[Any]]

log = logging.getLogger(__name__)

# A user group's members are asked of Slack at most this often (usergroups.users.list).
GROUP_CACHE_S = 60.0

# <@U123>, <#C123|general>, <!here>, <https://x|label>, <mailto:a@b|a@b>, <https://x>
_MARKUP = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")


def runner(executor: Executor) -> Runner:
    """``await run(fn, *args)``: the registry is synchronous, so handlers run in the pool."""

    async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        call = partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    return run


# Entity ids in button values are row ids: anything longer is not one of ours.
_MAX_ID_DIGITS = 12


def chosen_entity(action: dict[str, Any]) -> int:
    """The entity a button names: a "Card"/"Share"/"Did you mean" button's value, or the
    option picked in a menu. A value we did not make is a ``BadInput``."""
    value = action.get("value") or (action.get("selected_option") or {}).get("value")
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_ID_DIGITS:
        raise BadInput("That button is not one of mine.", "Look the name up again.")
    return int(text)


def open_entity(services: Services, action: dict[str, Any], *, full: bool = False) -> Reply:
    """The card a button asks for (run through ``guarded``: errors become replies);
    ``full``: every tie (the "Show all N ties" button)."""
    return Reply(show(services, chosen_entity(action), full=full))


async def answer_privately(respond: Any, reply: Reply) -> None:
    """A new private message to whoever pressed or typed: an error, or a card beside a
    list (the message they acted on stays)."""
    await respond(
        response_type="ephemeral",
        replace_original=False,
        **message(reply),
    )


def shared_by(body: dict[str, Any]) -> str | None:
    """The note under a card someone shared: a mention of a real user id only."""
    user = body.get("user", {}).get("id", "")
    return f"shared by <@{user}>" if user.isalnum() else None


def readable(text: str | None) -> str:
    """Slack's message markup turned back into what the reader sees: user mentions and
    broadcasts dropped, channels and links as their labels, ``&amp;`` as ``&``."""

    def label(match: re.Match[str]) -> str:
        kind, target, shown = match.groups()
        if kind in ("@", "!"):
            return " "
        if kind == "#":
            return f"#{shown}" if shown else " "
        return shown if shown is not None else target

    return html.unescape(_MARKUP.sub(label, text or ""))


def message_text(message: dict[str, Any]) -> str:
    """A message's text; messages sent as blocks only (some apps) give their blocks' text."""
    text = readable(message.get("text"))
    if text.strip():
        return text
    pieces: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("text", "link", "mrkdwn", "plain_text") and isinstance(
                node.get("text"), str
            ):
                pieces.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    walk(message.get("attachments") or [])
    return readable(" ".join(pieces))


def is_retry(request: Any) -> bool:
    """Slack re-sends an event it thinks was missed; the first delivery already answered."""
    headers = getattr(request, "headers", None) or {}
    return bool(headers.get("x-slack-retry-num"))


class AdminGroups:
    """Which of the alert-admin user groups (``MCF_ALERT_ADMINS`` entries ``S...``) a user
    is in, asked of Slack and kept for a minute."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    async def of(self, client: Any, user: str | None) -> frozenset[str]:
        groups = sorted(a for a in self.services.alert_admins if a.startswith("S"))
        if not groups or not user:
            return frozenset()
        found = set()
        for group in groups:
            if user in await self._users(client, group):
                found.add(group)
        return frozenset(found)

    async def _users(self, client: Any, group: str) -> frozenset[str]:
        cached = self._members.get(group)
        if cached is not None and time.monotonic() - cached[0] < GROUP_CACHE_S:
            return cached[1]
        try:
            response = await client.usergroups_users_list(usergroup=group)
            users = frozenset(str(u) for u in response.get("users") or [])
        except Exception as exc:  # no scope, no such group: nobody is in it (fail closed)
            log.warning("cannot list user group %s: %s", group, exc)
            users = frozenset()
        self._members[group] = (time.monotonic(), users)
        return users
