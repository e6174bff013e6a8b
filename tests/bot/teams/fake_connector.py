"""A local stand-in for the Bot Framework connector service that Teams runs, on a real
port: the bot's replies and proactive messages are POSTed here (the ``serviceUrl`` of
the activities the tests send), and recorded per conversation."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.local_http import listen


@dataclass
class FakeConnector:
    # Activities the connector accepted, per conversation id, as Teams would show them.
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Failure injection: a share of sends answered 429 or 500 (nothing is posted), and
    # conversations that answer a permanent HTTP status (403: the bot was removed).
    fail_rate: float = 0.0
    broken: dict[str, int] = field(default_factory=dict)
    seed: int = 11
    injected: int = 0
    attempts: int = 0
    # Every n-th send is stored and then answered 500 (a message Teams kept anyway).
    store_then_fail_every: int = 0
    runner: web.AppRunner | None = None
    port: int = 0
    # The (host, port) each request came from: one per connection the bot opened.
    peers: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        self.runner, self.port = await listen(app)
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        self.attempts += 1
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.peers.append((peer[0], peer[1]))
        if conversation in self.broken:
            status = self.broken[conversation]
            return web.json_response({"error": {"code": "Forbidden"}}, status=status)
        if self.fail_rate and self._random.random() < self.fail_rate:
            self.injected += 1
            if self._random.random() < 0.5:
                return web.json_response({}, status=429, headers={"Retry-After": "0"})
            return web.json_response({"error": "injected"}, status=500)
        activity = await request.json()
        activity["id"] = str(next(self._ids))
        self.conversations.setdefault(conversation, []).append(activity)
        if self.store_then_fail_every and self.attempts % self.store_then_fail_every == 0:
            self.injected += 1
            return web.json_response({"error": "stored, then failed"}, status=500)
        return web.json_response({"id": activity["id"]})

    def cards(self, conversation: str) -> list[dict[str, Any]]:
        """The Adaptive Cards posted to ``conversation``, oldest first."""
        return [
            attachment["content"]
            for activity in self.conversations.get(conversation, [])
            for attachment in activity.get("attachments", [])
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


def card_text(card: dict[str, Any]) -> str:
    """Everything a person reads on the card, one line per text block (inside columns
    and containers too), then the button titles."""
    lines: list[str] = []
    buttons = [action.get("title", "") for action in card.get("actions", [])]

    def read(blocks: list[dict[str, Any]]) -> None:
        for block in blocks:
            if block["type"] == "TextBlock":
                lines.append(block["text"])
            elif block["type"] == "RichTextBlock":
                lines.append("".join(run["text"] for run in block["inlines"]))
            elif block["type"] == "ActionSet":
                buttons.extend(action.get("title", "") for action in block["actions"])
            elif block["type"] == "ColumnSet":
                for column in block["columns"]:
                    read(column.get("items", []))
            elif block["type"] == "Container":
                read(block.get("items", []))

    read(card.get("body", []))
    return "\n".join(lines + buttons)


BOT = {"id": "28:mcf-bot", "name": "mcf"}
USER = {"id": "29:user-1", "name": "Ada Analyst", "aadObjectId": "aad-user-1"}
TENANT = "tenant-1"


def activity(
    text: str | None,
    service_url: str,
    conversation: str = "a:personal-chat",
    *,
    conversation_type: str = "personal",
    value: dict[str, Any] | None = None,
    mention: bool = False,
) -> dict[str, Any]:
    """A message as Teams sends it; ``mention`` prefixes "@mcf" the way a channel does."""
    body: dict[str, Any] = {
        "type": "message",
        "id": f"msg-{abs(hash((text, conversation))) % 10**8}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": USER,
        "recipient": BOT,
        "conversation": {
            "id": conversation,
            "conversationType": conversation_type,
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
    }
    if mention:
        tag = f"<at>{BOT['name']}</at>"
        body["text"] = f"{tag} {text}"
        body["entities"] = [{"type": "mention", "mentioned": BOT, "text": tag}]
        body["channelData"]["team"] = {"id": "19:team-1@thread.tacv2"}
    elif text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    return body
