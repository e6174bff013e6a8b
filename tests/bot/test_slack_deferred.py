"""An answer slower than the inline budget: Slack gets "Looking that up…" within its
three seconds, and the answer follows through the command's response_url."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.slack import lookup_listeners
from tests.fake_slack import PLACEHOLDER, SECRET, FakeSlack, post, signed, slash_body


async def test_a_slow_answer_is_acked_then_follows_by_response_url(
    server: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookup_listeners, "INLINE_BUDGET_S", 0.0)  # every answer is "slow"
    body = slash_body("Baidu", fake_slack.response_url_for("slow"))
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server}/slack/events", data=body, headers=signed(SECRET, body)) as r,
    ):
        assert r.status == 200
        ack = await r.json()
    assert ack["text"] == PLACEHOLDER and ack["response_type"] == "ephemeral"
    # ``post`` follows the placeholder to the answer, as every other test reads it.
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    assert status == 200
    assert "Baidu, Inc." in json.dumps(answer, ensure_ascii=False)
    assert answer["replace_original"] is True  # the private placeholder is replaced
    first = fake_slack.responses_by_key["slow"][0]
    assert "Baidu, Inc." in json.dumps(first, ensure_ascii=False)
