"""Teams through the real aiohttp server on a real port: activities POSTed to
/api/messages as Teams posts them, replies captured by a local fake connector; the
SDK's JWT check on that route (and only there); one server for Slack and Teams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.render.adaptive import SHOW_ACTION
from bot.settings import Settings, SettingsError, SlackSettings
from handlers.context import Services
from tests.bot.app_server import serve
from tests.bot.teams.conftest import SECURED_ENV, teams_settings
from tests.bot.teams.fake_connector import FakeConnector, activity, card_text
from tests.fake_slack import FakeSlack, signed, slash_body
from tests.fake_slack import post as slack_post

SLACK_SECRET = "teams-and-slack-secret"


async def post(url: str, body: Any, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        await r.read()
        return r.status


async def ask(server: str, connector: FakeConnector, body: dict[str, Any]) -> str:
    """Send one activity; the adapter finishes the turn (and its replies) before it
    answers, so the reply is at the connector when the POST returns (in a channel
    thread, the reply goes to the thread: the conversation id with its ";messageid")."""
    conversation = body["conversation"]["id"]
    before = len(connector.cards(conversation))
    assert await post(f"{server}/api/messages", body) in (200, 202)
    cards = connector.cards(conversation)
    assert len(cards) == before + 1, "expected exactly one reply"
    return card_text(cards[-1])


async def test_lookup_in_a_chat_answers_with_the_card(
    teams_server: str, connector: FakeConnector
) -> None:
    text = await ask(teams_server, connector, activity("Baidu", connector.url))
    assert "Baidu, Inc." in text
    assert "US DoD Section 1260H list" in text  # designation with its status
    assert "listed since" in text
    assert "28th Research Institute" in text  # a relationship
    assert "[1] " in text  # numbered sources
    card = connector.cards("a:personal-chat")[-1]
    links = [
        inline["selectAction"]["url"]
        for block in card["body"]
        if block["type"] == "RichTextBlock"
        for inline in block["inlines"]
        if "selectAction" in inline
    ]
    assert any("thediplomat.com" in url for url in links)


@pytest.mark.parametrize(
    ("text", "mention", "conversation"),
    [
        ("mcf Baidu", False, "a:personal-chat"),
        ("Baidu", True, "19:general@thread.tacv2;messageid=1712"),
    ],
    ids=["mcf-prefix-in-chat", "at-mention-in-channel"],
)
async def test_the_grammar_is_slacks(
    teams_server: str, connector: FakeConnector, text: str, mention: bool, conversation: str
) -> None:
    body = activity(text, connector.url, conversation, mention=mention)
    assert "Baidu, Inc." in await ask(teams_server, connector, body)


async def test_help(teams_server: str, connector: FakeConnector) -> None:
    text = await ask(teams_server, connector, activity("help", connector.url))
    assert "@mcf subscribe" in text and "/mcf" not in text


async def test_did_you_mean_buttons_open_the_chosen_entry(
    teams_server: str, connector: FakeConnector
) -> None:
    text = await ask(teams_server, connector, activity("China Aerospace", connector.url))
    assert "Did you mean" in text
    card = connector.cards("a:personal-chat")[-1]
    buttons = card["actions"]
    assert buttons and all(b["type"] == "Action.Submit" for b in buttons)
    chosen = next(b for b in buttons if b["title"].startswith("China Aerospace Science and Tech"))
    assert chosen["data"]["mcf_action"] == SHOW_ACTION
    # Teams sends the button's data back as the value of a message without text.
    opened = await ask(teams_server, connector, activity(None, connector.url, value=chosen["data"]))
    assert opened.startswith("China Aerospace Science and Technology Corporation")
    assert "Sources" in opened


async def test_a_check_list_answers_one_line_per_name_with_card_buttons(
    teams_server: str, connector: FakeConnector
) -> None:
    body = activity("check Baidu; Harvard University", connector.url)
    lines = (await ask(teams_server, connector, body)).splitlines()
    assert lines[0] == "2 names checked: 1 listed, 1 no match"
    assert lines[1].startswith("🔴 Baidu → Baidu, Inc. (CN): listed on DoD 1260H")
    assert lines[2].startswith("➖ Harvard University: no match: no organisation in the registry")
    card = connector.cards("a:personal-chat")[-1]
    [row] = [b for b in card["body"] if b["type"] == "ColumnSet"]
    [button] = row["columns"][1]["items"][0]["actions"]
    # The "Card" button comes back as a message whose value is the button's data.
    opened = await ask(teams_server, connector, activity(None, connector.url, value=button["data"]))
    assert opened.startswith("Baidu, Inc.") and "Sources" in opened


async def test_a_stale_button_for_a_deleted_entry_gets_a_reply(
    teams_server: str, connector: FakeConnector
) -> None:
    value = {"mcf_action": SHOW_ACTION, "entity_id": 987654321}
    text = await ask(teams_server, connector, activity(None, connector.url, value=value))
    assert "no longer in the registry" in text


@pytest.fixture
async def secured_server(services: Services, fake_slack: FakeSlack) -> AsyncIterator[str]:
    """Teams with an app id and no ANONYMOUS_ALLOWED (the default), beside Slack."""
    settings = teams_settings(services.registry, SECURED_ENV)
    slack = SlackSettings("xoxb-test", SLACK_SECRET, None, fake_slack.api_url)
    settings = Settings(settings.database_url, slack=slack, teams=settings.teams)
    async for url in serve(settings, services):
        yield url


async def test_unauthenticated_requests_get_401_by_default(
    secured_server: str, connector: FakeConnector
) -> None:
    body = activity("Baidu", connector.url)
    assert await post(f"{secured_server}/api/messages", body) == 401
    forged = {"Authorization": "Bearer not.a.jwt"}
    assert await post(f"{secured_server}/api/messages", body, forged) == 401
    assert await post(f"{secured_server}/api/messages", body, {"Authorization": "Basic x"}) == 401
    assert connector.conversations == {}


async def test_slack_beside_teams_keeps_its_own_signature_check(
    secured_server: str, fake_slack: FakeSlack
) -> None:
    body = slash_body("Baidu", fake_slack.response_url)
    status, answer = await slack_post(
        f"{secured_server}/slack/events", body, signed(SLACK_SECRET, body)
    )
    assert status == 200 and "Baidu, Inc." in str(answer)
    async with aiohttp.ClientSession() as http:
        forged = signed("forged", body)
        async with http.post(f"{secured_server}/slack/events", data=body, headers=forged) as r:
            assert r.status == 401


async def test_a_teams_only_deployment_has_no_slack_route(
    teams_server: str, connector: FakeConnector
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{teams_server}/slack/events", data="x=1") as r:
            assert r.status == 404
        async with http.get(f"{teams_server}/healthz") as r:
            assert r.status == 200


async def test_a_slack_only_deployment_has_no_teams_route(
    services: Services, fake_slack: FakeSlack
) -> None:
    slack = SlackSettings("xoxb-test", SLACK_SECRET, None, fake_slack.api_url)
    settings = Settings(str(services.registry.engine.url), slack=slack)
    async for url in serve(settings, services):
        assert await post(f"{url}/api/messages", {"type": "message"}) == 404


async def test_not_an_activity_is_a_client_error(teams_server: str) -> None:
    assert await post(f"{teams_server}/api/messages", {"text": "no type"}) == 400


async def test_serve_with_no_platform_configured_fails_fast(services: Services) -> None:
    settings = Settings(str(services.registry.engine.url))
    with pytest.raises(SettingsError, match="no chat platform is configured"):
        async for _ in serve(settings, services):
            pass
