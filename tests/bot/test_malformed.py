"""Malformed requests through the real app on a real port: invalid UTF-8, a payload
nested 150,000 deep, a Teams token without ``kid``. Each gets a 4xx with one warning
line in the log and no traceback — before any of it is parsed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
import pytest

from bot.settings import Settings, SlackSettings
from handlers.context import Services
from tests.bot.app_server import serve
from tests.bot.teams.conftest import SECURED_ENV, teams_settings
from tests.fake_slack import SECRET, FakeSlack

DEEP = 150_000
BAD_UTF8 = b"payload=%7B%22type%22%3A%22block_actions%22%7D\xff\xfe\x80"


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    base = f"v0:{ts}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def send(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        await r.read()
        return r.status


def no_traceback(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    return [r for r in caplog.records if r.levelno == logging.WARNING]


@pytest.fixture
async def both(services: Services, fake_slack: FakeSlack) -> AsyncIterator[str]:
    """Slack and a secured Teams (credentials, tokens required) on one server."""
    teams = teams_settings(services.registry, SECURED_ENV).teams
    slack = SlackSettings("xoxb-test", SECRET, None, fake_slack.api_url)
    async for url in serve(
        Settings(str(services.registry.engine.url), slack=slack, teams=teams), services
    ):
        yield url


def deep_json() -> bytes:
    return b"[" * DEEP + b"]" * DEEP


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("invalid utf-8 form", BAD_UTF8, "application/x-www-form-urlencoded"),
        ("invalid utf-8 json", b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json"),
        (
            "deep payload",
            b"payload=" + quote(deep_json().decode()).encode(),
            "application/x-www-form-urlencoded",
        ),
        ("deep json", deep_json(), "application/json"),
        ("deep object", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "application/json"),
    ],
)
@pytest.mark.parametrize("signature", ["valid", "forged"])
async def test_slack_malformed_bodies_get_4xx_without_a_traceback(
    both: str,
    caplog: pytest.LogCaptureFixture,
    name: str,
    body: bytes,
    content_type: str,
    signature: str,
) -> None:
    headers = sign(body, SECRET if signature == "valid" else "forged") | {
        "Content-Type": content_type
    }
    caplog.set_level(logging.DEBUG)
    status = await send(f"{both}/slack/events", body, headers)
    assert 400 <= status < 500, name
    if signature == "forged":
        assert status == 401
    assert len(no_traceback(caplog)) <= 1


def form(payload: object) -> bytes:
    return b"payload=" + quote(json.dumps(payload)).encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[1, 2]", "application/json"),
        (b'"a string"', "application/json"),
        (b"null", "application/json"),
        (b'{"type": "event_callback", "event": "not an object"}', "application/json"),
        (b'{"type": "event_callback", "event": [1]}', "application/json"),
        (form([1, 2]), "application/x-www-form-urlencoded"),
        (form("a string"), "application/x-www-form-urlencoded"),
        (form(None), "application/x-www-form-urlencoded"),
        (form({"type": "block_actions", "actions": []}), "application/x-www-form-urlencoded"),
        (form({"type": "block_actions", "actions": "x"}), "application/x-www-form-urlencoded"),
        (form({"type": "block_actions", "actions": [1]}), "application/x-www-form-urlencoded"),
        (form({"type": "block_actions"}), "application/x-www-form-urlencoded"),
        (form({"type": "view_submission", "view": "x"}), "application/x-www-form-urlencoded"),
        (form({"type": "view_submission", "view": {}}), "application/x-www-form-urlencoded"),
        (
            form(
                {
                    "type": "view_submission",
                    "view": {"type": "modal", "callback_id": "nobody_listens"},
                }
            ),
            "application/x-www-form-urlencoded",
        ),
        (b"payload=%7Bnot json", "application/x-www-form-urlencoded"),
    ],
    ids=[
        "json-array",
        "json-string",
        "json-null",
        "event-string",
        "event-array",
        "payload-array",
        "payload-string",
        "payload-null",
        "actions-empty",
        "actions-string",
        "actions-of-numbers",
        "actions-missing",
        "view-string",
        "view-without-type",
        "view-unknown",
        "payload-not-json",
    ],
)
async def test_signed_bodies_of_the_wrong_shape_get_4xx_with_one_warning(
    both: str, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = sign(body) | {"Content-Type": content_type}
    status = await send(f"{both}/slack/events", body, headers)
    assert 400 <= status < 500
    assert len(no_traceback(caplog)) <= 1


async def test_a_400_digit_timestamp_is_refused_without_a_traceback(
    both: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {
        "X-Slack-Request-Timestamp": "9" * 400,
        "X-Slack-Signature": "v0=00",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    assert await send(f"{both}/slack/events", b"command=%2Fmcf", headers) == 401
    assert len(no_traceback(caplog)) == 1


async def test_a_teams_activity_without_service_url_is_a_400(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps(
        {"type": "message", "text": "Baidu", "conversation": {"id": "a:1"}, "from": {"id": "u"}}
    ).encode()
    async for url in serve(teams_settings(services.registry), services):  # anonymous
        status = await send(f"{url}/api/messages", body, {"Content-Type": "application/json"})
    assert status == 400
    assert len(no_traceback(caplog)) == 1


def jwt(header: dict[str, object], claims: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part(header)}.{part(claims)}.{base64.urlsafe_b64encode(b'sig').decode().rstrip('=')}"


@pytest.mark.parametrize(
    "token",
    [
        jwt({"alg": "RS256", "typ": "JWT"}, {"iss": "https://api.botframework.com", "aud": "x"}),
        jwt({"alg": "none"}, {"iss": "https://api.botframework.com"}),
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",  # claims that are not JSON
    ],
    ids=["no-kid", "alg-none", "garbage-claims"],
)
async def test_teams_tokens_without_kid_get_401_without_a_traceback(
    both: str, caplog: pytest.LogCaptureFixture, token: str
) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps(
        {"type": "message", "text": "Baidu", "serviceUrl": "https://smba.trafficmanager.net/emea/"}
    ).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    assert await send(f"{both}/api/messages", body, headers) == 401
    assert len(no_traceback(caplog)) <= 1


@pytest.mark.parametrize(
    "body",
    [b'{"type": "message", "text": "\xff\xfe"}', deep_json(), b'{"a":' * DEEP + b"1" + b"}" * DEEP],
    ids=["invalid-utf-8", "deep-array", "deep-object"],
)
async def test_teams_malformed_bodies_get_400_without_a_traceback(
    services: Services, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    async for url in serve(teams_settings(services.registry), services):  # anonymous
        status = await send(f"{url}/api/messages", body, {"Content-Type": "application/json"})
    assert status == 400
    assert len(no_traceback(caplog)) <= 1
