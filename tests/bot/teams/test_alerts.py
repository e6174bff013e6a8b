"""Teams alerts end to end: subscribe and watch through /api/messages (the conversation
reference lands in the database), a newer 1260H edition imported, the worker delivering
proactively through the Agents SDK to a local fake connector -- exactly once, with
429/500s injected, and a conversation the bot was removed from paused."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.alerts.teams_notifier import TeamsNotifier
from bot.alerts.worker import AlertWorker
from handlers.context import Services
from registry.db import unit_of_work
from registry.models import Subscription
from registry.service import Registry
from tests.bot.app_server import serve
from tests.bot.teams.conftest import teams_settings
from tests.bot.teams.fake_connector import FakeConnector, activity, card_text
from tests.bot.test_alerts import _expected, _import_full, _prepare, _registry_view

CHANNEL = "19:alerts@thread.tacv2"
CHAT = "a:personal-chat-b"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry.connect(f"sqlite:///{tmp_path / 'teams-alerts.sqlite3'}")
    registry.init(empty=True)
    _prepare(registry, tmp_path)
    yield registry
    registry.engine.dispose()


async def _say(server: str, body: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{server}/api/messages", json=body) as r:
        assert r.status in (200, 202)


async def _subscribe(registry: Registry, connector: FakeConnector) -> None:
    settings = teams_settings(registry)
    async for server in serve(settings, Services(registry)):
        # "@mcf subscribe" posted in a thread of the channel; "watch Baidu" in a chat.
        thread = f"{CHANNEL};messageid=1700000000001"
        await _say(server, activity("subscribe", connector.url, thread, mention=True))
        assert "from now on" in card_text(connector.cards(thread)[-1])
        await _say(server, activity("watch Baidu", connector.url, CHAT))
        assert "Watching Baidu, Inc." in card_text(connector.cards(CHAT)[-1])
        await _say(server, activity("subscriptions", connector.url, CHAT))
        assert "changes touching Baidu, Inc." in card_text(connector.cards(CHAT)[-1])


def _worker(registry: Registry, **kwargs: Any) -> AlertWorker:
    teams = teams_settings(registry).require_teams()
    notifier = TeamsNotifier(teams, registry, sleep=lambda _s: None)
    return AlertWorker(registry, {"teams": notifier}, pace_s=0.0, **kwargs)


def _seen(connector: FakeConnector, conversation: str) -> list[tuple[str, str, str]]:
    """(section heading, entity name, detail) for every digest entry posted there."""
    out = []
    for card in connector.cards(conversation):
        heading = ""
        for block in card["body"]:
            runs = block.get("inlines", [])
            if len(runs) == 1 and runs[0].get("weight") == "Bolder":
                heading = runs[0]["text"].replace(" (continued)", "")
            elif len(runs) >= 3 and runs[0]["text"] == "• ":
                out.append((heading, runs[1]["text"], runs[2]["text"].removeprefix(": ")))
    return out


def _check(connector: FakeConnector, registry: Registry) -> None:
    seen = _seen(connector, CHANNEL)
    added = Counter(n for h, n, _ in seen if "added to the US DoD" in h)
    removed = Counter(n for h, n, _ in seen if "removed from the US DoD" in h)
    assert added and set(added.values()) == {1}, "each listing exactly once"
    assert removed and set(removed.values()) == {1}
    first_listed, delisted = _registry_view(registry)  # names as the registry has them
    unescape = {
        n.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for n in first_listed
    }
    assert unescape <= set(added)
    assert len(removed) == len(_expected()[1])
    assert len(delisted) == len(removed)
    watched = _seen(connector, CHAT)
    assert watched and {name for _, name, _ in watched} == {"Baidu, Inc."}


async def test_subscribing_stores_the_conversation_reference(
    registry: Registry, connector: FakeConnector
) -> None:
    await _subscribe(registry, connector)
    with unit_of_work(registry.sessions) as session:
        subs = session.scalars(select(Subscription).order_by(Subscription.id)).all()
        refs = {s.channel_id: s.conversation for s in subs}
    # The thread's subscription belongs to the channel, and alerts start new posts.
    assert set(refs) == {CHANNEL, CHAT}
    channel_ref = refs[CHANNEL]
    assert channel_ref is not None
    assert channel_ref["conversation"]["id"] == CHANNEL
    assert channel_ref["serviceUrl"] == connector.url
    assert "activityId" not in channel_ref


@pytest.mark.parametrize("fail_rate", [0.0, 0.2], ids=["clean", "429s-and-500s"])
async def test_a_new_edition_reaches_each_conversation_exactly_once(
    registry: Registry, fail_rate: float
) -> None:
    connector = await FakeConnector(fail_rate=fail_rate).start()
    try:
        await _subscribe(registry, connector)
        await asyncio.to_thread(_import_full, registry)
        for _ in range(4):  # deferred messages wait for the next pass, as in production
            await asyncio.to_thread(_worker(registry).run_once)
        _check(connector, registry)
        if fail_rate:
            assert connector.injected > 0
        before = {c: len(a) for c, a in connector.conversations.items()}
        result = await asyncio.to_thread(_worker(registry).run_once)
        assert result.planned == 0 and result.sent == 0
        assert {c: len(a) for c, a in connector.conversations.items()} == before
    finally:
        await connector.stop()


async def test_a_conversation_the_bot_was_removed_from_is_paused(registry: Registry) -> None:
    connector = await FakeConnector(broken={CHANNEL: 403}).start()
    try:
        await _subscribe(registry, connector)
        await asyncio.to_thread(_import_full, registry)
        result = await asyncio.to_thread(_worker(registry).run_once)
        assert result.paused == 1
        assert {name for _, name, _ in _seen(connector, CHAT)} == {"Baidu, Inc."}
        attempts = connector.attempts
        again = await asyncio.to_thread(_worker(registry).run_once)
        assert again.sent == 0 and again.paused == 0
        assert connector.attempts == attempts  # paused: not retried
        async for server in serve(teams_settings(registry), Services(registry)):
            connector.broken.clear()
            await _say(server, activity("subscriptions", connector.url, CHANNEL))
            assert "paused: HTTP 403" in card_text(connector.cards(CHANNEL)[-1])
    finally:
        await connector.stop()


async def test_a_500_after_teams_stored_a_message_is_not_resent_in_the_same_pass(
    registry: Registry,
) -> None:
    """Teams gives bots no history to look a nonce up in, so a 5xx is not retried within
    the send (retries sent up to six copies at once): a pass sends each message once, and
    the failure is a failure (the SDK's default handler reported it as sent)."""
    connector = await FakeConnector().start()
    try:
        await _subscribe(registry, connector)
        connector.store_then_fail_every = 2
        before = {c: len(a) for c, a in connector.conversations.items()}
        await asyncio.to_thread(_import_full, registry)
        await asyncio.to_thread(_worker(registry).run_once)
        assert connector.injected >= 1
        # The SDK's default turn-error handler would post the error text itself.
        assert "Exception caught" not in json.dumps(connector.conversations)
        for conversation, posted in connector.conversations.items():
            new = [json.dumps(a.get("attachments")) for a in posted[before.get(conversation, 0) :]]
            assert set(Counter(new).values()) <= {1}, conversation
    finally:
        await connector.stop()
