"""A local stand-in for Slack's Web API and response_url endpoints, on a real port.

It records every call so tests can assert on what the bot actually sent.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from tests.local_http import listen

# The signing secret of the app the scenario tests run (tests/bot/conftest.py).
SECRET = "test-signing-secret"


@dataclass
class FakeSlack:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    responses_by_key: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Every response_url message by the URL's path and query, for ``post`` to follow.
    responses_by_url: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Messages Slack accepted, per channel, as the channel would show them.
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Failure injection for chat.postMessage: a share of calls answered 429 or 500
    # (nothing is posted then), and channels that answer a permanent error.
    fail_rate: float = 0.0
    broken: dict[str, str] = field(default_factory=dict)
    seed: int = 7
    injected: int = 0
    # Every n-th chat.postMessage is stored (the channel shows it) and then answered 500,
    # as Slack sometimes does: a client that re-sends blindly posts it twice.
    store_then_fail_every: int = 0
    posts: int = 0
    # App Home views published, per user (the last one wins, as in Slack).
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    # users.conversations: the channels each user is in; users listed in
    # ``conversations_error`` get that error instead (e.g. "missing_scope").
    memberships: dict[str, list[str]] = field(default_factory=dict)
    conversations_error: dict[str, str] = field(default_factory=dict)
    # usergroups.users.list: each user group's members.
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    # A slow Slack: chat.postMessage answers (and shows the message) this much later.
    post_delay_s: float = 0.0
    # Refuse a message whose blocks (as JSON) are longer than this (0: any length), as
    # Slack refuses with msg_blocks_too_long below its documented limits.
    max_blocks_chars: int = 0
    # conversations.history answers this error (e.g. "missing_scope") when set.
    history_error: str = ""
    # Socket Mode: the WebSocket the app opened (``apps.connections.open`` hands out its
    # URL) and the acknowledgements it sent back, by envelope id.
    refuse_app_token: bool = False  # apps.connections.open answers invalid_auth
    socket: web.WebSocketResponse | None = None
    socket_connected: asyncio.Event = field(default_factory=asyncio.Event)
    acks: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    # Files users shared (served at ``file_url``), and files the bot uploaded through
    # files.getUploadURLExternal + files.completeUploadExternal (files_upload_v2).
    shared_files: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    port: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/response"

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response", self._response)
        app.router.add_get("/socket-mode", self._socket_mode)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_post("/upload/{file_id}", self._upload)
        self.runner, self.port = await listen(app)
        _RUNNING[self.port] = self
        return self

    async def stop(self) -> None:
        _RUNNING.pop(self.port, None)
        if self.runner is not None:
            await self.runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            payload = await request.json()
        elif request.method == "GET":
            payload = dict(request.query)
        else:
            # Some methods (files.getUploadURLExternal) send their arguments in the query.
            payload = dict(request.query) | dict(await request.post())
        self.calls.append((method, payload))
        if method == "chat.postMessage":
            if self.post_delay_s:
                await asyncio.sleep(self.post_delay_s)
            return self._post_message(payload)
        if method == "conversations.history":
            if self.history_error:
                return web.json_response({"ok": False, "error": self.history_error})
            oldest = float(payload.get("oldest") or 0)
            found = [
                m for m in self.channels.get(payload["channel"], []) if float(m["ts"]) >= oldest
            ]
            return web.json_response({"ok": True, "messages": found[::-1], "has_more": False})
        if method == "views.publish":
            view = payload["view"]
            view = json.loads(view) if isinstance(view, str) else view
            self.views[payload["user_id"]] = view
            return web.json_response({"ok": True, "view": {"id": "V1", **view}})
        if method == "users.conversations":
            return self._user_conversations(payload)
        if method == "usergroups.users.list":
            group = payload.get("usergroup", "")
            if group not in self.usergroups:
                return web.json_response({"ok": False, "error": "no_such_subteam"})
            return web.json_response({"ok": True, "users": self.usergroups[group]})
        if method == "apps.connections.open":
            if self.refuse_app_token:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            url = f"ws://127.0.0.1:{self.port}/socket-mode"
            return web.json_response({"ok": True, "url": url})
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:04d}"
            self.uploads[file_id] = {
                "filename": payload.get("filename"),
                "length": int(payload.get("length") or 0),
                "alt_txt": payload.get("alt_txt"),
                "data": None,
                "completed": None,
            }
            return web.json_response(
                {
                    "ok": True,
                    "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                    "file_id": file_id,
                }
            )
        if method == "files.completeUploadExternal":
            files = payload.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            if payload.get("channel_id") in self.broken:  # the app is not in the channel
                return web.json_response({"ok": False, "error": self.broken[payload["channel_id"]]})
            for item in files:
                upload = self.uploads.get(item.get("id"))
                if upload is None or upload["data"] is None:
                    return web.json_response({"ok": False, "error": "file_not_found"})
                upload["completed"] = {**payload, "title": item.get("title")}
            return web.json_response({"ok": True, "files": [{"id": f["id"]} for f in files]})
        if method == "conversations.open":  # the bot's direct message with a user
            return web.json_response({"ok": True, "channel": {"id": f"D{payload.get('users')}"}})
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "team_id": "T1", "user_id": "UBOT", "bot_id": "B1", "user": "mcf"}
            )
        return web.json_response({"ok": True, "ts": f"{time.time():.6f}", "channel": "C1"})

    def _user_conversations(self, payload: dict[str, Any]) -> web.Response:
        """Two channels a page, so callers must follow ``next_cursor``."""
        user = payload.get("user", "")
        if user in self.conversations_error:
            return web.json_response({"ok": False, "error": self.conversations_error[user]})
        channels = self.memberships.get(user, [])
        start = int(payload.get("cursor") or 0)
        page = channels[start : start + 2]
        more = start + 2 < len(channels)
        return web.json_response(
            {
                "ok": True,
                "channels": [{"id": c, "is_channel": True} for c in page],
                "response_metadata": {"next_cursor": str(start + 2) if more else ""},
            }
        )

    def _post_message(self, payload: dict[str, Any]) -> web.Response:
        channel = payload["channel"]
        if channel in self.broken:
            return web.json_response({"ok": False, "error": self.broken[channel]})
        blocks = payload.get("blocks") or ""
        size = len(blocks if isinstance(blocks, str) else json.dumps(blocks, ensure_ascii=False))
        if self.max_blocks_chars and size > self.max_blocks_chars:
            return web.json_response({"ok": False, "error": "msg_blocks_too_long"})
        if self.fail_rate and self._random.random() < self.fail_rate:
            self.injected += 1
            if self._random.random() < 0.5:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
                )
            return web.Response(status=500, text="internal error")
        self.posts += 1
        ts = f"{time.time():.6f}"
        message = {
            "ts": ts,
            "text": payload.get("text"),
            "blocks": payload.get("blocks"),
            "metadata": payload.get("metadata"),
            "thread_ts": payload.get("thread_ts"),
        }
        self.channels.setdefault(channel, []).append(message)
        if self.store_then_fail_every and self.posts % self.store_then_fail_every == 0:
            self.injected += 1
            return web.Response(status=500, text="internal error")
        return web.json_response({"ok": True, "ts": ts, "channel": channel})

    def file_url(self, name: str) -> str:
        """The ``url_private_download`` of a file a user shared (``shared_files[name]``)."""
        return f"http://127.0.0.1:{self.port}/files/{name}"

    async def _file(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer xoxb-test":
            return web.Response(status=403, text="no token")
        data = self.shared_files.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404)
        data = await request.read()  # files_upload_v2 posts the file's bytes as they are
        upload["data"] = data
        return web.Response(text="OK - " + str(len(data)))

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(body)
        self.responses_by_url.setdefault(request.path_qs, []).append(body)
        if "key" in request.query:  # a response_url made by ``response_url_for``
            self.responses_by_key.setdefault(request.query["key"], []).append(body)
        return web.json_response({"ok": True})

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode WebSocket: says hello, then carries envelopes one way and
        their acknowledgements (``{"envelope_id": ..., "payload": ...}``) the other."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        self.socket_connected.set()
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            waiting = self.acks.get(ack.get("envelope_id", ""))
            if waiting is not None and not waiting.done():
                waiting.set_result(ack)
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one Socket Mode envelope (``slash_commands``, ``events_api``,
        ``interactive``) to the connected app and wait for its acknowledgement."""
        assert self.socket is not None, "no app has connected over Socket Mode"
        envelope_id = f"env-{len(self.acks) + 1}"
        self.acks[envelope_id] = asyncio.get_running_loop().create_future()
        fake, path = _fake_for(str(payload.get("response_url", "")))
        seen = len(self.responses_by_url.get(path, []))
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )
        ack = await self.acks[envelope_id]
        if fake is self and (ack.get("payload") or {}).get("text") == PLACEHOLDER:
            # Slower than the inline budget: the answer follows by response_url, as
            # ``post`` reads it for HTTP.
            answer = await _follow_up(self, path, seen)
            return {**ack, "payload": answer}
        return ack

    def response_url_for(self, key: str) -> str:
        """A response_url of its own, so concurrent requests' follow-ups can be told apart."""
        return f"{self.response_url}?key={key}"


def signed(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    """Headers exactly as Slack sends them for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_body(text: str, response_url: str, command: str = "/mcf") -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "acme",
            "channel_id": "C1",
            "channel_name": "research-security",
            "user_id": "U1",
            "user_name": "alice",
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": "1.2.3",
            "api_app_id": "A1",
        }
    )


def action_body(action_id: str, value: str, response_url: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": "U1", "username": "alice", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": "C1",
            "is_ephemeral": True,
        },
        "trigger_id": "1.2.3",
        "channel": {"id": "C1", "name": "research-security"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "type": "button",
                "action_ts": "1.2",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def form(body: str) -> dict[str, str]:
    return dict(parse_qsl(body))


def event_body(event: dict[str, Any], *, event_id: str = "Ev1") -> str:
    """An Events API callback (JSON), as Slack posts it."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
    )


def message_action_body(message: dict[str, Any], response_url: str, callback_id: str) -> str:
    """A message shortcut payload (``message_action``), form-encoded as Slack sends it."""
    payload = {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": "1.2.3",
        "action_ts": "1.3",
        "message_ts": message.get("ts", "1.0"),
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": "U1", "username": "alice", "team_id": "T1"},
        "channel": {"id": "C1", "name": "research-security"},
        "message": message,
        "response_url": response_url,
        "token": "legacy",
    }
    return urlencode({"payload": json.dumps(payload)})


def select_body(action_id: str, value: str, response_url: str) -> str:
    """A static_select choice in a message (block_actions)."""
    body = json.loads(form(action_body(action_id, value, response_url))["payload"])
    body["actions"] = [
        {
            "action_id": action_id,
            "block_id": "b",
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            "action_ts": "1.2",
        }
    ]
    return urlencode({"payload": json.dumps(body)})


async def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, Any]:
    """Send a request as Slack does; for a slash command, its answer. An answer slower
    than the app's inline budget is acked "Looking that up…" and follows through the
    command's response_url, as Slack shows it: that follow-up is returned then (a loaded
    machine decides which path an answer takes, not the test)."""
    url_of_response = dict(parse_qsl(body)).get("response_url", "")
    fake, path = _fake_for(url_of_response)
    seen = len(fake.responses_by_url.get(path, [])) if fake else 0
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        text = await r.text()
        answer = await r.json() if text.startswith("{") else text
    if fake is not None and isinstance(answer, dict) and answer.get("text") == PLACEHOLDER:
        answer = await _follow_up(fake, path, seen)
    return r.status, answer


async def _follow_up(fake: FakeSlack, path: str, seen: int) -> dict[str, Any]:
    """The first message to reach ``path`` after the ``seen`` already there."""
    deadline = time.monotonic() + FOLLOW_UP_S
    while len(fake.responses_by_url.get(path, [])) <= seen:
        assert time.monotonic() < deadline, "the deferred answer never came"
        await asyncio.sleep(0.02)
    return fake.responses_by_url[path][seen]


# The placeholder the app acks with when an answer takes longer than its inline budget,
# and how long a test waits for the answer to follow.
PLACEHOLDER = "Looking that up…"
FOLLOW_UP_S = 120.0
# Fakes listening now, by port: ``post`` finds the one a response_url points at.
_RUNNING: dict[int, FakeSlack] = {}


def _fake_for(response_url: str) -> tuple[FakeSlack | None, str]:
    parts = urlsplit(response_url)
    if parts.hostname != "127.0.0.1" or parts.port is None:
        return None, ""
    return _RUNNING.get(parts.port), parts.path + (f"?{parts.query}" if parts.query else "")


def validate(blocks: list[dict[str, Any]]) -> list[Block]:
    """Parse the blocks back with slack_sdk's models, which enforce Block Kit's rules."""
    parsed = Block.parse_all(blocks)
    for block in parsed:
        block.validate_json()
    assert len(parsed) <= 50
    return parsed
