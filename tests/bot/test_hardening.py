"""Hardening, through the real app on a real port with signed requests: subscriptions
under concurrency and behind ``MCF_ALERT_ADMINS``, malformed requests, replayed and
crafted button presses, buttons that fail."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import func, select

from handlers.context import Services
from registry.db import unit_of_work
from registry.models import Subscription
from tests.fake_slack import SECRET, FakeSlack, post, signed, slash_body

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
