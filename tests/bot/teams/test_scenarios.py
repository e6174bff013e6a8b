"""Teams conversations through the Agents SDK's own test harness
(``microsoft_agents.testing``: TestAdapter and TestFlow) driving our AgentApplication:
the grammar, the cards, the buttons and subscriptions, with the real registry and
handlers underneath (no HTTP here; ``test_http.py`` covers the wire)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount
from microsoft_agents.testing import TestAdapter, TestFlow
from sqlalchemy import select

from bot.render.adaptive import CARD_CONTENT_TYPE
from bot.teams.app import create_teams_app
from handlers.context import Services
from registry.db import unit_of_work
from registry.models import Subscription
from tests.bot.teams.conftest import teams_settings
from tests.bot.teams.fake_connector import card_text


@pytest.fixture
def flow(services: Services) -> Iterator[TestFlow]:
    teams = teams_settings(services.registry).require_teams()
    with ThreadPoolExecutor(max_workers=2) as pool:
        bot = create_teams_app(teams, services, pool)
        yield TestFlow(TestAdapter(channel_id="msteams"), bot.agent.on_turn)


def card_says(*fragments: str, starts: str | None = None):  # type: ignore[no-untyped-def]
    def check(reply: Activity) -> None:
        assert reply.type == ActivityTypes.message
        assert reply.attachments and reply.attachments[0].content_type == CARD_CONTENT_TYPE
        text = card_text(reply.attachments[0].content)
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in {text[:300]!r}"
        if starts is not None:
            assert text.startswith(starts), text[:100]

    return check


async def test_lookups_help_and_unknown_names(flow: TestFlow) -> None:
    await (
        flow.send("Baidu")
        .assert_reply(card_says("US DoD Section 1260H list", "Sources", starts="Baidu, Inc."))
        .send("mcf Hikvison")  # a typo, behind the "mcf" prefix
        .assert_reply(card_says("Hikvision"))
        .send("help")
        .assert_reply(card_says("@mcf watch <organisation>"))
        .send("Zzyzx Imaginary Widgets")
        .assert_reply(card_says("No match for", "no organisation in the registry matches"))
        .start_test()
    )


async def test_a_did_you_mean_button_opens_the_entry(flow: TestFlow) -> None:
    buttons: list[dict[str, Any]] = []

    def keep_buttons(reply: Activity) -> None:
        card_says("Did you mean")(reply)
        assert reply.attachments is not None
        buttons.extend(reply.attachments[0].content["actions"])

    await flow.send("Beijing Institute").assert_reply(keep_buttons).start_test()
    assert buttons and {b["type"] for b in buttons} == {"Action.Submit"}
    # Press the first button: Teams sends its data as the value of a textless message.
    pressed = Activity(
        type=ActivityTypes.message,
        value=buttons[0]["data"],
        from_property=ChannelAccount(id="user1"),
    )
    title = buttons[0]["title"]
    await flow.send(pressed).assert_reply(card_says("Lists", starts=title)).start_test()


async def test_subscribe_keeps_the_conversation_reference_in_the_database(
    flow: TestFlow, services: Services
) -> None:
    await (
        flow.send("subscribe us-1260h")
        .assert_reply(card_says("will now be told about", "us-1260h"))
        .send("subscriptions")
        .assert_reply(card_says("This channel gets:", "US DoD Section 1260H list"))
        .start_test()
    )
    with unit_of_work(services.registry.sessions) as session:
        sub = session.scalars(select(Subscription)).one()
        assert sub.platform == "teams" and sub.channel_id == "convo1"
        assert sub.conversation is not None
        assert sub.conversation["conversation"]["id"] == "convo1"
        assert sub.conversation["serviceUrl"] == "https://test.com"
    await flow.send("unsubscribe").assert_reply(card_says("Removed 1 subscription")).start_test()
