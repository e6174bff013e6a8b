"""Hardening, through the real app on a real port with signed requests: subscriptions
under concurrency and behind ``MCF_ALERT_ADMINS``, malformed requests, replayed and
crafted button presses, buttons that fail."""

from __future__ import annotations

import asyncio
import base64
import json
import zlib
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.render.slack import CARD_ACTION, PICK_ACTION, SHARE_ACTION, SHARE_LIST_ACTION
from handlers import quick
from handlers.context import Services
from registry.db import unit_of_work
from registry.models import Subscription
from tests.fake_slack import SECRET, FakeSlack, action_body, post, signed, slash_body

EVENTS = "/slack/events"


async def slash(
    server: str, fake: FakeSlack, text: str, *, user: str = "U1", channel: str = "C1"
) -> dict[str, Any]:
    body = slash_body(text, fake.response_url)
    body = body.replace("user_id=U1", f"user_id={user}").replace(
        "channel_id=C1", f"channel_id={channel}"
    )
    status, answer = await post(server + EVENTS, body, signed(SECRET, body))
    assert status == 200
    return dict(answer)


def said(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


# -- subscriptions --------------------------------------------------------------------


async def test_ten_concurrent_subscribes_in_one_channel_all_succeed(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    answers = await asyncio.gather(
        *(slash(server, fake_slack, "subscribe", user=f"U{i}") for i in range(10))
    )
    texts = [said(a) for a in answers]
    assert not [t for t in texts if "went wrong" in t]
    assert sum("will now be told" in t for t in texts) == 1
    assert sum("Already subscribed" in t for t in texts) == 9
    with unit_of_work(services.registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 1


async def test_ten_concurrent_watches_of_one_name_all_succeed(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    answers = await asyncio.gather(
        *(slash(server, fake_slack, "watch Baidu", user=f"U{i}") for i in range(10))
    )
    assert all("Watching Baidu" in said(a) for a in answers), [said(a) for a in answers]
    with unit_of_work(services.registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 1


async def test_alert_admins_alone_change_a_channels_alerts(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    services.alert_admins = frozenset({"UADMIN", "SSECURITY"})
    fake_slack.usergroups = {"SSECURITY": ["UGROUPIE"]}
    refused = await slash(server, fake_slack, "subscribe", user="UOTHER")
    assert "Only the alert admins" in said(refused)
    assert refused["response_type"] == "ephemeral"
    refused = await slash(server, fake_slack, "unsubscribe", user="UOTHER")
    assert "Only the alert admins" in said(refused)

    done = await slash(server, fake_slack, "subscribe", user="UADMIN")
    assert "will now be told" in said(done)
    assert done["response_type"] == "in_channel"  # announced in the channel
    done = await slash(server, fake_slack, "watch Baidu", user="UGROUPIE")
    assert "Watching Baidu" in said(done) and done["response_type"] == "in_channel"
    # Anyone may still see what the channel gets.
    listed = await slash(server, fake_slack, "subscriptions", user="UOTHER")
    assert "changes touching Baidu" in said(listed)
    removed = await slash(server, fake_slack, "unsubscribe", user="UADMIN")
    assert "Removed 2 subscriptions" in said(removed)
    assert removed["response_type"] == "in_channel"


# -- buttons --------------------------------------------------------------------------


async def press(
    server: str,
    fake: FakeSlack,
    action_id: str,
    value: str,
    key: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Press a button; returns the status and what came back through its response_url."""
    body = body or action_body(action_id, value, fake.response_url_for(key))
    status, _ = await post(server + EVENTS, body, headers or signed(SECRET, body))
    for _ in range(100):
        if key in fake.responses_by_key or status != 200:
            break
        await asyncio.sleep(0.05)
    return status, fake.responses_by_key.get(key, [])


def button_value(answer: dict[str, Any], action_id: str) -> str:
    """The value of the first button with ``action_id``, wherever it sits in the blocks."""
    stack: list[Any] = [answer["blocks"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("action_id") == action_id:
                return str(node["value"])
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node[::-1]
    raise AssertionError(f"no {action_id} button")


def _unsigned_key(data: dict[str, Any]) -> str:
    """A share value in the old, unsigned format: what a forger can make."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    return "1" + base64.urlsafe_b64encode(zlib.compress(raw)).decode()


async def test_a_crafted_share_value_posts_nothing_in_the_channel(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    listed = services.index  # any listed organisation's id will do for the forgery
    with unit_of_work(services.registry.sessions) as session:
        baidu = listed.lookup(session, "Baidu").best
    assert baidu is not None
    forged = {"m": [["Harvard University", [baidu.entity_id], "name"]]}
    other = Services(services.registry)  # a different key: a signature that is not ours
    signed_elsewhere = quick._pack(other, forged)
    assert signed_elsewhere is not None
    for i, value in enumerate([_unsigned_key(forged), signed_elsewhere, "2" + "A" * 60, ""]):
        status, answers = await press(server, fake_slack, SHARE_LIST_ACTION, value, f"f{i}")
        assert status == 200
        assert [a["response_type"] for a in answers] == ["ephemeral"], answers
        assert "not one of mine" in said(answers[0])
        assert "Harvard" not in said(answers[0])


async def test_a_replayed_share_is_acted_on_once(server: str, fake_slack: FakeSlack) -> None:
    answer = await slash(server, fake_slack, "check Baidu; Huawei")
    key = button_value(answer, SHARE_LIST_ACTION)
    body = action_body(SHARE_LIST_ACTION, key, fake_slack.response_url_for("r"))
    # A replay is the same bytes with the same headers (re-signing needs the secret);
    # signing twice would give a new timestamp whenever the press takes past a second.
    headers = signed(SECRET, body)
    status, answers = await press(server, fake_slack, SHARE_LIST_ACTION, key, "r", body, headers)
    assert status == 200 and [a["response_type"] for a in answers] == ["in_channel"]
    status, _ = await post(server + EVENTS, body, headers)
    assert status == 409
    await asyncio.sleep(0.3)
    assert len(fake_slack.responses_by_key["r"]) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", ""])
async def test_a_replay_is_refused_whatever_its_content_type(
    server: str, fake_slack: FakeSlack, services: Services, content_type: str
) -> None:
    """The Content-Type is not signed and Bolt reads a ``payload=`` body whatever it
    says: the replay guard keys on the signature and time, before any parsing."""
    with unit_of_work(services.registry.sessions) as session:
        baidu = services.index.lookup(session, "Baidu").best
    assert baidu is not None
    key = quick._pack(services, {"m": [["Baidu", [baidu.entity_id], "name"]]})
    assert key is not None
    body = action_body(SHARE_LIST_ACTION, key, fake_slack.response_url_for("ct"))
    original = signed(SECRET, body)  # replayed byte for byte, but for its Content-Type
    status, answers = await press(server, fake_slack, SHARE_LIST_ACTION, key, "ct", body, original)
    assert status == 200 and len(answers) == 1
    headers = original | {"Content-Type": content_type}
    for _ in range(3):
        status, _ = await post(server + EVENTS, body, headers)
        # 409 (a replay), or 400 where the claimed type makes the body unreadable
        assert status in (400, 409)
    await asyncio.sleep(0.3)
    assert len(fake_slack.responses_by_key["ct"]) == 1


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (SHARE_ACTION, "²"),  # a digit to str.isdigit, not to int()
        (SHARE_ACTION, "not-an-id"),
        (SHARE_ACTION, "987654321"),  # a card since deleted
        (f"{PICK_ACTION}_0", "1e9"),
        (f"{PICK_ACTION}_0", "987654321"),
        (f"{CARD_ACTION}_0", "987654321"),
        (f"{CARD_ACTION}_0", ""),
        (SHARE_LIST_ACTION, "2" + "x" * 30),
    ],
)
async def test_every_button_with_a_bad_or_stale_value_answers(
    server: str, fake_slack: FakeSlack, action_id: str, value: str
) -> None:
    status, answers = await press(server, fake_slack, action_id, value, "b")
    assert status == 200
    assert len(answers) == 1 and answers[0]["response_type"] == "ephemeral"
    assert "went wrong" not in said(answers[0])
    assert (
        "not one of mine" in said(answers[0])
        or "no longer" in said(answers[0])
        or ("no organisation in the registry matches" in said(answers[0]))
    ), said(answers[0])


async def test_a_listener_that_fails_still_answers_the_user(
    server: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("renderer broke")

    monkeypatch.setattr("bot.slack.lookup_listeners.card_blocks", broken)
    answer = await slash(server, fake_slack, "Baidu")
    share = button_value(answer, SHARE_ACTION)
    _, answers = await press(server, fake_slack, SHARE_ACTION, share, "e")
    assert len(answers) == 1 and answers[0]["response_type"] == "ephemeral"
    assert "Something went wrong on our side" in said(answers[0])
