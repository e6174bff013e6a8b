"""`mcf-bot serve` as a real process: signed /mcf answered, forged and stale refused."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import pytest

from bot.server import INDEX_REFRESH_S
from registry import store
from registry.db import unit_of_work
from registry.service import Registry
from tests.fake_slack import FakeSlack, post, signed, slash_body

SECRET = "process-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_serve(
    registry: Registry, fake_slack: FakeSlack
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`mcf-bot serve` over ``registry`` on a free port: its URL and its process."""
    port = _free_port()
    env = dict(
        os.environ,
        MCF_DATABASE_URL=str(registry.engine.url),
        MCF_PORT=str(port),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        MCF_SYNC_INTERVAL="0",  # no downloads from the publishers in this test
    )
    env.pop("SLACK_APP_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def serve(bundled_registry: Registry, fake_slack: FakeSlack) -> Iterator[str]:
    with running_serve(bundled_registry, fake_slack) as (url, _proc):
        yield url


async def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{url}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("mcf-bot serve did not become healthy in 30 s")


async def test_serve_answers_signed_requests_and_refuses_forged_ones(
    serve: str, fake_slack: FakeSlack
) -> None:
    await _wait_healthy(serve)
    body = slash_body("Baidu", fake_slack.response_url)
    # Within Slack's three seconds comes the card or "Looking that up…" and then the card
    # by response_url (``post`` follows it): which one is the machine's load, not a rule.
    status, answer = await post(f"{serve}/slack/events", body, signed(SECRET, body))
    assert status == 200
    assert "Baidu, Inc." in str(answer["blocks"])
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{serve}/slack/events", data=body, headers=signed("forged", body)
        ) as r:
            assert r.status == 401
        stale = signed(SECRET, body, timestamp=int(time.time()) - 6 * 60)
        async with http.post(f"{serve}/slack/events", data=body, headers=stale) as r:
            assert r.status == 401


async def _ask(http: aiohttp.ClientSession, url: str, text: str, response_url: str) -> str:
    body = slash_body(text, response_url)
    status, answer = await post(f"{url}/slack/events", body, signed(SECRET, body))
    assert status == 200
    return str(answer.get("blocks"))


async def test_an_entry_imported_by_another_process_is_found_without_a_restart(
    serve: str, fake_slack: FakeSlack, bundled_registry: Registry
) -> None:
    await _wait_healthy(serve)
    name = "Qorvexa Photonics Research Centre"
    async with aiohttp.ClientSession() as http:
        assert "Baidu, Inc." in await _ask(http, serve, "Baidu", fake_slack.response_url)
        assert "Baidu, Inc." not in await _ask(http, serve, name, fake_slack.response_url)
        # Another process (this one) writes to the registry the server has open.
        with unit_of_work(bundled_registry.sessions) as session:
            baidu = store.entity_by_key(session, "baidu")
            assert baidu is not None
            store.add_alias(session, baidu, name)
        deadline = time.monotonic() + 10 * INDEX_REFRESH_S
        while True:
            blocks = await _ask(http, serve, name, fake_slack.response_url)
            if "Baidu, Inc." in blocks:
                break
            assert time.monotonic() < deadline, "the new alias was not found"
            await asyncio.sleep(0.2)
        # The card shows the alias: a card cached before the import is not reused.
        assert name in await _ask(http, serve, "Baidu", fake_slack.response_url)


async def test_serve_says_when_its_cards_are_built(serve: str, fake_slack: FakeSlack) -> None:
    await _wait_healthy(serve)
    deadline = time.monotonic() + 120
    ready = False
    async with aiohttp.ClientSession() as http:
        while not ready and time.monotonic() < deadline:
            async with http.get(f"{serve}/healthz") as r:
                assert r.status == 200  # healthy before, while and after building
                ready = (await r.json())["cards_ready"]
            await asyncio.sleep(0.2)
        assert ready, "serve did not build its cards in 120 s"
        # Cards built (and rendered) ahead answer as any other.
        assert "Baidu, Inc." in await _ask(http, serve, "Baidu", fake_slack.response_url)
