"""What a Teams turn does not redo: clients to the connector are lent across turns (with
the token the provider gives on each turn, never to a host off the allow-list), and a
card is not deep-copied on its way out."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext
from microsoft_agents.hosting.core.authorization import AuthenticationConstants

from bot.teams.app import GuardedClientFactory, ServiceUrlRefused, connect
from bot.teams.clients import ClientPool, LentConnectorClient, LentUserTokenClient
from bot.teams.listeners import card_message
from handlers.context import Services
from tests.bot.teams.conftest import SECURED_ENV, teams_settings
from tests.bot.teams.fake_connector import FakeConnector, activity
from tests.bot.teams.test_http import ask

CLIENT_ID = SECURED_ENV["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"]
TEAMS_SERVICE = "https://smba.trafficmanager.net/emea/"
AUDIENCE = AuthenticationConstants.AGENTS_SDK_SCOPE


async def test_turns_share_one_connection_to_the_connector(
    teams_server: str, connector: FakeConnector
) -> None:
    names = ["Baidu", "help", "Baidu", "help", "Baidu"]
    for n, name in enumerate(names):
        await ask(teams_server, connector, activity(name, connector.url, f"a:chat-{n}"))
    assert len(connector.peers) == len(names)
    # The SDK's own clients open a connection per reply (a new session each turn).
    assert len(set(connector.peers)) == 1


async def test_a_client_is_closed_once_replaced_and_given_back() -> None:
    pool = ClientPool()
    first = pool.connector("http://127.0.0.1:9/", "token-1")
    again = pool.connector("http://127.0.0.1:9/", "token-1")
    assert again is first
    assert first.client.headers["Authorization"] == "Bearer token-1"
    await first.close()  # one turn done, the other still holds it
    renewed = pool.connector("http://127.0.0.1:9/", "token-2")
    assert renewed is not first
    assert renewed.client.headers["Authorization"] == "Bearer token-2"
    assert not first.client.closed  # a turn still holds it
    await again.close()
    assert first.client.closed
    assert not renewed.client.closed
    await pool.close()
    assert renewed.client.closed


async def test_the_pool_keeps_clients_for_a_bounded_number_of_addresses() -> None:
    pool = ClientPool(max_addresses=2)
    lent = [pool.connector(f"http://127.0.0.1:{port}/", "") for port in (9, 10, 11)]
    for client in lent:
        await client.close()
    # The least recently used address's client was evicted and closed once given back.
    assert lent[0].client.closed
    assert [c.client.closed for c in lent[1:]] == [False, False]
    assert pool.connector("http://127.0.0.1:11/", "") is lent[2]
    await pool.close()


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token provider (MSAL talks https to Entra only): a new token on each ask, as
    after a renewal, so that every turn shows which token it was given."""
    given: list[str] = []
    numbers = itertools.count(1)

    async def get_access_token(self: MsalAuth, resource_url: str, *_: Any, **__: Any) -> str:
        given.append(f"token-{next(numbers)}")
        return given[-1]

    monkeypatch.setattr(MsalAuth, "get_access_token", get_access_token)
    return given


def bot_identity() -> ClaimsIdentity:
    return ClaimsIdentity({"aud": CLIENT_ID, "appid": CLIENT_ID}, authentication_type="Bearer")


@pytest.fixture
async def adapter(services: Services, tokens: list[str]) -> AsyncIterator[CloudAdapter]:
    """The secured adapter, its turns lending clients from their own pool."""
    teams = teams_settings(services.registry, SECURED_ENV).require_teams()
    pool = ClientPool()
    yield connect(teams, pool).adapter
    await pool.close()


def factory_of(adapter: CloudAdapter) -> GuardedClientFactory:
    found = adapter._channel_service_client_factory
    assert isinstance(found, GuardedClientFactory)
    return found


async def test_each_turn_borrows_a_client_with_the_token_it_was_given(
    adapter: CloudAdapter, tokens: list[str]
) -> None:
    factory = factory_of(adapter)
    first = await factory.create_connector_client(None, bot_identity(), TEAMS_SERVICE, AUDIENCE)
    second = await factory.create_connector_client(None, bot_identity(), TEAMS_SERVICE, AUDIENCE)
    assert isinstance(first, LentConnectorClient) and isinstance(second, LentConnectorClient)
    assert tokens == ["token-1", "token-2"]
    assert first.client.headers["Authorization"] == "Bearer token-1"
    assert second.client.headers["Authorization"] == "Bearer token-2"
    await first.close()
    assert first.client.closed  # replaced by the renewed token, and given back
    await second.close()


async def test_the_user_token_client_is_lent_too(adapter: CloudAdapter, tokens: list[str]) -> None:
    factory = factory_of(adapter)
    turn = Activity.model_validate(activity("help", TEAMS_SERVICE))
    context = TurnContext(adapter, turn, bot_identity())
    first = await factory.create_user_token_client(context, bot_identity())
    assert isinstance(first, LentUserTokenClient)
    assert first.client.headers["Authorization"] == "Bearer token-1"
    await first.close()
    again = await factory.create_user_token_client(context, bot_identity())
    assert again is not first  # the provider gave a new token
    assert again.client.headers["Authorization"] == "Bearer token-2"
    await asyncio.sleep(0.05)  # the replaced one, held by no turn, is closed at once
    assert first.client.closed
    await again.close()


async def test_a_host_off_the_allow_list_is_refused_before_any_token(
    adapter: CloudAdapter, tokens: list[str]
) -> None:
    with pytest.raises(ServiceUrlRefused):
        await factory_of(adapter).create_connector_client(
            None, bot_identity(), "https://smba.trafficmanager.net.example.org/", AUDIENCE
        )
    assert tokens == []


def test_a_sent_card_is_the_card_not_a_copy() -> None:
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Baidu, Inc."}]}
    message = card_message(card, "Baidu, Inc.")
    # What TurnContext.send_activities does to every activity it sends.
    sent = copy.deepcopy(message)
    assert sent.attachments is not None and message.attachments is not None
    assert sent.attachments[0].content is message.attachments[0].content
    wire = sent.model_dump(by_alias=True, exclude_unset=True, mode="json")
    assert wire["attachments"][0]["content"] == card
    assert type(wire["attachments"][0]["content"]) is dict
