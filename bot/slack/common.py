"""What every listener module shares: running a handler off the event loop, and
reading the text of a Slack message as a person wrote it."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

Runner = Callable[..., Awaitable[Any]]

# <@U123>, <#C123|general>, <!here>, <https://x|label>, <mailto:a@b|a@b>, <https://x>
_MARKUP = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")


def runner(executor: Executor) -> Runner:
    """``await run(fn, *args)``: the registry is synchronous, so handlers run in the pool."""

    async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        call = partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    return run


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
