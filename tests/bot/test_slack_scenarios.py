"""Slack scenarios through the real aiohttp server on a real port, with requests signed
exactly as Slack signs them and outgoing calls captured by a local fake Slack."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from bot.render.slack import PICK_ACTION, SHARE_ACTION
from tests.fake_slack import (
    SECRET,
    FakeSlack,
    action_body,
    post,
    signed,
    slash_body,
    validate,
)


def block_text(blocks: list[dict[str, Any]]) -> str:
    return str(blocks)


async def test_signed_lookup_answers_with_the_card(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body("Baidu", fake_slack.response_url)
    started = time.monotonic()
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    elapsed = time.monotonic() - started
    assert status == 200
    assert elapsed < 3.0
    assert answer["response_type"] == "ephemeral"
    validate(answer["blocks"])
    text = block_text(answer["blocks"])
    assert "Baidu, Inc." in text
    assert "28th Research Institute" in text
    assert "thediplomat.com" in text
    assert SHARE_ACTION in text


async def test_forged_signature_is_rejected(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body("Baidu", fake_slack.response_url)
    status, _ = await post(f"{server}/slack/events", body, signed("not-the-secret", body))
    assert status == 401
    assert fake_slack.responses == []


async def test_stale_timestamp_is_rejected(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body("Baidu", fake_slack.response_url)
    headers = signed(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    status, _ = await post(f"{server}/slack/events", body, headers)
    assert status == 401


async def test_tampered_body_is_rejected(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body("Baidu", fake_slack.response_url)
    headers = signed(SECRET, body)
    status, _ = await post(f"{server}/slack/events", body.replace("Baidu", "Huawei"), headers)
    assert status == 401


async def test_huge_query_gets_a_clear_answer(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body("x" * 10_000, fake_slack.response_url)
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    assert status == 200
    validate(answer["blocks"])
    assert "10,000 characters" in block_text(answer["blocks"])


async def test_share_button_posts_the_card_in_channel(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body("Baidu", fake_slack.response_url)
    _, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    button = next(el for b in answer["blocks"] if b["type"] == "actions" for el in b["elements"])
    share = action_body(button["action_id"], button["value"], fake_slack.response_url)
    status, _ = await post(f"{server}/slack/events", share, signed(SECRET, share))
    assert status == 200
    for _ in range(50):  # the respond() call happens after the ack
        if fake_slack.responses:
            break
        await asyncio_sleep(0.05)
    (posted,) = fake_slack.responses
    assert posted["response_type"] == "in_channel"
    validate(posted["blocks"])
    assert "Baidu, Inc." in block_text(posted["blocks"])
    assert "shared by <@U1>" in block_text(posted["blocks"])


async def test_did_you_mean_buttons_open_the_chosen_card(
    server: str, fake_slack: FakeSlack
) -> None:
    body = slash_body("China Electronics Technology", fake_slack.response_url)
    _, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    validate(answer["blocks"])
    buttons = [el for b in answer["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert buttons and all(b["action_id"].startswith(PICK_ACTION) for b in buttons)
    pick = action_body(buttons[0]["action_id"], buttons[0]["value"], fake_slack.response_url)
    status, _ = await post(f"{server}/slack/events", pick, signed(SECRET, pick))
    assert status == 200
    for _ in range(50):
        if fake_slack.responses:
            break
        await asyncio_sleep(0.05)
    (shown,) = fake_slack.responses
    validate(shown["blocks"])
    assert shown["blocks"][0]["type"] == "header"


async def test_healthz(server: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server}/healthz") as r:
        assert r.status == 200
        assert (await r.json())["status"] == "ok"


async def asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_the_card_leads_with_its_verdict_and_shows_all_ties_on_request(
    server: str, fake_slack: FakeSlack
) -> None:
    from bot.render.slack import MORE_ACTION

    body = slash_body("Hikvision", fake_slack.response_url)
    _, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    validate(answer["blocks"])
    header, *rest = answer["blocks"]
    assert header["type"] == "header" and "Hikvision" in header["text"]["text"]
    verdict = next(b["text"]["text"] for b in rest if b["type"] == "section")
    assert verdict.startswith(":red_circle: *Listed: ") and "DoD 1260H since" in verdict

    body = slash_body("AVIC", fake_slack.response_url)
    _, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    more = next(
        b["accessory"]
        for b in answer["blocks"]
        if b.get("accessory", {}).get("action_id") == MORE_ACTION
    )
    press = action_body(more["action_id"], more["value"], fake_slack.response_url)
    status, _ = await post(f"{server}/slack/events", press, signed(SECRET, press))
    assert status == 200
    for _ in range(50):
        if fake_slack.responses:
            break
        await asyncio_sleep(0.05)
    (whole,) = fake_slack.responses
    validate(whole["blocks"])
    assert whole["replace_original"] is True
    assert MORE_ACTION not in block_text(whole["blocks"])
    assert "more ties" not in block_text(whole["blocks"])
