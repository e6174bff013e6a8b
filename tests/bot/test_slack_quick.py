"""Quick checks in Slack, end to end: the real Bolt app behind a real port, requests
signed as Slack signs them, outgoing calls captured by the local fake Slack, and every
block parsed back with slack_sdk's models.

- ``/mcf check`` answers a list in one ephemeral message, shares it, opens cards;
- the message shortcut (``message_action``) lists the organisations named in a message;
- ``@mcf`` in a thread answers in that thread;
- ``app_home_opened`` publishes the home tab, afresh each time.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.render.slack import CARD_ACTION, SHARE_ACTION, SHARE_LIST_ACTION
from bot.slack.shortcut_listeners import SCAN_SHORTCUT
from handlers.context import Services
from registry import store, subscriptions
from registry.db import unit_of_work
from registry.subscriptions import Topic
from tests.fake_slack import (
    SECRET,
    FakeSlack,
    action_body,
    event_body,
    message_action_body,
    post,
    select_body,
    signed,
    slash_body,
    validate,
)

EVENTS = "/slack/events"
NOTES = (
    "Partnerships sync, 3 May\n"
    "• Baidu presented their cloud roadmap (Q3 pilot)\n"
    "• Prof. Li, National University of Defense Technology, joined by video\n"
    "• University of Toronto will send the draft MoU; plan to hit the deadline\n"
    "• Action: <@U2> to follow up with <https://example.org/harvard|Harvard University>"
)


def json_signed(body: str, **kwargs: Any) -> dict[str, str]:
    return signed(SECRET, body, **kwargs) | {"Content-Type": "application/json"}


async def settled(fake: FakeSlack, count: int = 1, what: str = "responses") -> None:
    """Listeners answer after the ack: wait for the fake to have seen them."""
    for _ in range(200):
        if len(getattr(fake, what)) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fake Slack never got {count} {what}")


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def accessories(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks if b["type"] == "section" and "accessory" in b]


# -- /mcf check -------------------------------------------------------------------------


async def test_check_answers_a_list_in_one_message(server: str, fake_slack: FakeSlack) -> None:
    body = slash_body(
        "check Tsinghua University; Harvard University; Hikvison; 北京理工大学",
        fake_slack.response_url,
    )
    status, answer = await post(server + EVENTS, body, signed(SECRET, body))
    assert status == 200
    if "blocks" not in answer:  # slower than the inline budget: the list follows
        await settled(fake_slack)
        answer = fake_slack.responses[-1]
    assert answer["response_type"] == "ephemeral"
    validate(answer["blocks"])
    heading, *lines = sections(answer["blocks"])
    assert "4 names checked" in heading and "2 listed" in heading and "1 no match" in heading
    assert "1 tracked" in heading
    assert len(lines) == 4
    tsinghua, harvard, hikvision, bit = lines
    # Only in ASPI's tracker: tracked with its rating, never "listed".
    assert "*Tsinghua University* (CN): tracked, not listed: ASPI tracker rates it" in tsinghua
    assert "(category: Civilian)" in tsinghua
    assert "*Harvard University*: no match: " in harvard and "not evidence" in harvard
    hik = "*Hikvison* → Hangzhou Hikvision Digital Technology Co., Ltd. (CN), as Hikvision"
    assert f"{hik}: listed on" in hikvision
    assert "DoD 1260H since 2021-06-03" in hikvision
    assert "typo" in hikvision
    assert "*北京理工大学* → Beijing Institute of Technology (CN): listed on " in bit
    share, *cards = accessories(answer["blocks"])
    assert share["action_id"] == SHARE_LIST_ACTION and share["text"]["text"] == "Share in channel"
    assert [c["action_id"].startswith(CARD_ACTION) for c in cards] == [True, True, True]

    # "Card" opens Hikvision's full card privately, beside the list.
    hik = cards[1]
    click = action_body(hik["action_id"], hik["value"], fake_slack.response_url)
    # Counted from here: a list that came after the inline budget is a response already.
    seen = len(fake_slack.responses)
    assert (await post(server + EVENTS, click, signed(SECRET, click)))[0] == 200
    await settled(fake_slack, seen + 1)
    card = fake_slack.responses[-1]
    assert card["response_type"] == "ephemeral" and card["replace_original"] is False
    validate(card["blocks"])
    assert card["blocks"][0]["type"] == "header"
    assert "Hikvision" in card["blocks"][0]["text"]["text"]
    assert SHARE_ACTION in json.dumps(card["blocks"])

    # "Share in channel" posts the same list for everyone, from the button alone.
    shared_click = action_body(share["action_id"], share["value"], fake_slack.response_url)
    assert (await post(server + EVENTS, shared_click, signed(SECRET, shared_click)))[0] == 200
    await settled(fake_slack, seen + 2)
    shared = fake_slack.responses[-1]
    assert shared["response_type"] == "in_channel" and shared["delete_original"] is True
    validate(shared["blocks"])
    assert sections(shared["blocks"])[1:] == lines
    assert "shared by <@U1>" in json.dumps(shared["blocks"])
    assert SHARE_LIST_ACTION not in json.dumps(shared["blocks"])


async def test_check_refuses_more_than_fifty_names(server: str, fake_slack: FakeSlack) -> None:
    names = "\n".join(f"Company {i}" for i in range(51))
    body = slash_body(f"check {names}", fake_slack.response_url)
    _, answer = await post(server + EVENTS, body, signed(SECRET, body))
    validate(answer["blocks"])
    assert "That is 51 names; `/mcf check` takes up to 50" in json.dumps(answer["blocks"])


async def test_fifty_names_fit_one_message(server: str, fake_slack: FakeSlack) -> None:
    names = ["Baidu", "Harvard University", "China Electronics Technology"] * 16 + ["Hikvision"] * 2
    body = slash_body("check " + "; ".join(names), fake_slack.response_url)
    _, answer = await post(server + EVENTS, body, signed(SECRET, body))
    if "blocks" not in answer:
        await settled(fake_slack)
        answer = fake_slack.responses[-1]
    parsed = validate(answer["blocks"])
    text = json.dumps(answer["blocks"])
    assert "50 names checked" in text and text.count("Harvard University") == 16
    # Too many lines for one block each: packed, and the cards open from one menu.
    assert len(parsed) < 50
    menus = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(e["type"] == "static_select" for e in menus)
    menu = next(e for e in menus if e["type"] == "static_select")
    pick = select_body(menu["action_id"], menu["options"][0]["value"], fake_slack.response_url)
    seen = len(fake_slack.responses)
    assert (await post(server + EVENTS, pick, signed(SECRET, pick)))[0] == 200
    await settled(fake_slack, seen + 1)
    assert fake_slack.responses[-1]["blocks"][0]["type"] == "header"


# -- the message shortcut ---------------------------------------------------------------


async def test_shortcut_lists_exactly_the_organisations_named(
    server: str,
    fake_slack: FakeSlack,
) -> None:
    message = {"type": "message", "user": "U2", "ts": "1700000000.000100", "text": NOTES}
    body = message_action_body(message, fake_slack.response_url, SCAN_SHORTCUT)
    status, _ = await post(server + EVENTS, body, signed(SECRET, body))
    assert status == 200
    await settled(fake_slack)
    (answer,) = fake_slack.responses
    assert answer["response_type"] == "ephemeral"
    validate(answer["blocks"])
    heading, *lines = sections(answer["blocks"])
    assert "2 organisations from the registry named in the message" in heading
    assert len(lines) == 2
    assert lines[0].startswith(":red_circle: *Baidu* → Baidu, Inc. (CN): listed on DoD 1260H")
    assert "*National University of Defense Technology* (CN): listed on " in lines[1]
    assert "ASPI tracker" in lines[1]
    assert "Toronto" not in json.dumps(answer) and "Harvard" not in json.dumps(answer)


async def test_shortcut_on_a_message_naming_nobody(server: str, fake_slack: FakeSlack) -> None:
    message = {"ts": "1.0", "text": "Lunch at noon; we plan to hit the gym after. USC won."}
    body = message_action_body(message, fake_slack.response_url, SCAN_SHORTCUT)
    await post(server + EVENTS, body, signed(SECRET, body))
    await settled(fake_slack)
    (answer,) = fake_slack.responses
    validate(answer["blocks"])
    assert sections(answer["blocks"]) == [
        "*No organisation in the registry is named in this message.*"
    ]


async def test_shortcut_reads_block_only_messages(server: str, fake_slack: FakeSlack) -> None:
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [{"type": "text", "text": "会上提到了海康威视和北京理工大学。"}],
            }
        ],
    }
    body = message_action_body(
        {"ts": "1.0", "text": "", "blocks": [rich]}, fake_slack.response_url, SCAN_SHORTCUT
    )
    await post(server + EVENTS, body, signed(SECRET, body))
    await settled(fake_slack)
    lines = sections(fake_slack.responses[0]["blocks"])[1:]
    assert [line.split("*")[1] for line in lines] == ["海康威视", "北京理工大学"]


# -- @mcf in a thread -------------------------------------------------------------------


async def test_mention_in_a_thread_answers_in_that_thread(
    server: str,
    fake_slack: FakeSlack,
) -> None:
    event = {
        "type": "app_mention",
        "user": "U1",
        "channel": "C1",
        "text": "<@UBOT> check Baidu;\nHarvard University",
        "ts": "1700000000.000300",
        "thread_ts": "1700000000.000100",
        "event_ts": "1700000000.000300",
    }
    body = event_body(event)
    status, _ = await post(server + EVENTS, body, json_signed(body))
    assert status == 200
    await settled_channel(fake_slack, "C1")
    (posted,) = fake_slack.channels["C1"]
    assert posted["thread_ts"] == "1700000000.000100"
    validate(posted["blocks"])
    heading, baidu, harvard = sections(posted["blocks"])
    assert "2 names checked" in heading and "*Baidu* → Baidu, Inc. (CN): listed" in baidu
    assert "Harvard University" in harvard
    assert SHARE_LIST_ACTION not in json.dumps(posted["blocks"])  # already public

    # One name: its card, in the thread, without "Share in channel".
    event |= {"text": "<@UBOT> Baidu", "ts": "1700000000.000400", "event_ts": "1.4"}
    body = event_body(event, event_id="Ev2")
    await post(server + EVENTS, body, json_signed(body))
    await settled_channel(fake_slack, "C1", 2)
    card = fake_slack.channels["C1"][1]
    assert card["thread_ts"] == "1700000000.000100"
    validate(card["blocks"])
    # The header: the name, the Chinese name and where that is written.
    assert re.fullmatch(r"Baidu, Inc\. \(百度\) \[\d+\]", card["blocks"][0]["text"]["text"])
    assert SHARE_ACTION not in json.dumps(card["blocks"])


async def test_mention_outside_a_thread_starts_one(server: str, fake_slack: FakeSlack) -> None:
    event = {
        "type": "app_mention",
        "user": "U1",
        "channel": "C1",
        "text": "<@UBOT> China Electronics Technology",
        "ts": "1700000000.000500",
        "event_ts": "1700000000.000500",
    }
    body = event_body(event)
    await post(server + EVENTS, body, json_signed(body))
    await settled_channel(fake_slack, "C1")
    (posted,) = fake_slack.channels["C1"]
    assert posted["thread_ts"] == "1700000000.000500"
    validate(posted["blocks"])
    # "Did you mean" buttons in public open the card privately, never replace the answer.
    buttons = [e for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons and all(b["action_id"].startswith(CARD_ACTION) for b in buttons)


async def test_a_retried_mention_is_not_answered_twice(server: str, fake_slack: FakeSlack) -> None:
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> Baidu"}
    event |= {"ts": "1.5", "event_ts": "1.5"}
    body = event_body(event)
    headers = json_signed(body) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    status, _ = await post(server + EVENTS, body, headers)
    assert status == 200
    await asyncio.sleep(0.5)
    assert "C1" not in fake_slack.channels


async def settled_channel(fake: FakeSlack, channel: str, count: int = 1) -> None:
    for _ in range(200):
        if len(fake.channels.get(channel, [])) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing posted to {channel}")


# -- App Home ---------------------------------------------------------------------------


def home_event(user: str = "U1", tab: str = "home") -> str:
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": tab}
    return event_body(event | {"event_ts": "1.6"})


def home_text(view: dict[str, Any]) -> str:
    parsed = View(**view)
    parsed.validate_json()
    validate(view["blocks"])
    return json.dumps(view["blocks"], ensure_ascii=False)


async def test_home_shows_changes_channel_alerts_and_how_to(
    server: str,
    fake_slack: FakeSlack,
    services: Services,
) -> None:
    with unit_of_work(services.registry.sessions) as session:
        for channel, topic in (
            ("C0ONE", Topic.everything()),
            ("C0THREE", Topic.of_list("us-1260h")),
        ):
            subscriptions.subscribe(session, platform="slack", channel_id=channel, topic=topic)
        subscriptions.subscribe(
            session, platform="slack", channel_id="C0NINE", topic=Topic.everything()
        )
    # Three channels: two pages, so the cursor is followed.
    fake_slack.memberships["U1"] = ["C0ONE", "C0TWO", "C0THREE"]

    body = home_event()
    assert (await post(server + EVENTS, body, json_signed(body)))[0] == 200
    await settled(fake_slack, 1, "views")
    view = fake_slack.views["U1"]
    assert view["type"] == "home"
    text = home_text(view)
    assert "Recent registry changes" in text and "last 20, newest first" in text
    change_lines = [
        line
        for s in sections(view["blocks"])
        for line in s.split("\n")
        if re.match(r"• 20\d\d-\d\d-\d\d ", line)
    ]
    assert len(change_lines) == 20
    assert all("<https://" in line or "_" in line for line in change_lines)  # each has a source
    assert "<#C0ONE>" in text and "everything new in the registry" in text
    assert "<#C0THREE>" in text and "US DoD Section 1260H list" in text
    assert "C0NINE" not in text and "C0TWO" not in text
    assert "/mcf check" in text and "Check organisations" in text

    # Opened again after a change: refreshed, the new change first.
    with unit_of_work(services.registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Baidu Netcom <!channel>")
    del fake_slack.views["U1"]
    await post(server + EVENTS, body, json_signed(body))
    await settled(fake_slack, 1, "views")
    text = home_text(fake_slack.views["U1"])
    first = next(
        line
        for s in sections(fake_slack.views["U1"]["blocks"])
        for line in s.split("\n")
        if re.match(r"• 20\d\d-\d\d-\d\d ", line)
    )
    assert "*Baidu, Inc.*: new name: Baidu Netcom &lt;!channel&gt;" in first
    assert "<!channel>" not in text


async def test_home_without_the_channels_scope_still_opens(
    server: str,
    fake_slack: FakeSlack,
) -> None:
    fake_slack.conversations_error["U1"] = "missing_scope"
    body = home_event()
    await post(server + EVENTS, body, json_signed(body))
    await settled(fake_slack, 1, "views")
    text = home_text(fake_slack.views["U1"])
    assert "I could not list your channels (Slack said: missing_scope)" in text
    assert "Recent registry changes" in text


@pytest.mark.parametrize("tab", ["messages"])
async def test_the_messages_tab_publishes_nothing(
    server: str,
    fake_slack: FakeSlack,
    tab: str,
) -> None:
    body = home_event(tab=tab)
    assert (await post(server + EVENTS, body, json_signed(body)))[0] == 200
    await asyncio.sleep(0.3)
    assert fake_slack.views == {}
