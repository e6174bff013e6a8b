"""What a publisher's server may not make the sync do: hold the pass (and its lock) for
ever by dripping bytes, send it to another host or from https to plain http by a
redirect, or be fetched over plain http at all unless the operator named the mirror.
Local stand-ins on real ports (tests/publisher.py)."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.settings import Settings, SettingsError
from registry.db import unit_of_work
from registry.models import SyncState
from registry.service import Registry
from registry.sync.options import FetchOptions, SyncOptions
from registry.sync.run import SKIPPED_MESSAGE, SyncOutcome, resolve_sources, sync
from tests.editions import edition_1260h
from tests.local_http import listen
from tests.publisher import LOCAL_HTTP, Publisher

FAST = FetchOptions(
    retries=1, backoff_s=0.01, read_timeout_s=2.0, connect_timeout_s=2.0, http_hosts=LOCAL_HTTP
)
DEADLINE_S = 1.5
BODY = edition_1260h("2022-10-05")


@pytest.fixture
async def publisher() -> AsyncIterator[Publisher]:
    pub = await Publisher().start()
    yield pub
    await pub.stop()


def _sync_now(registry: Registry, options: SyncOptions) -> SyncOutcome:
    [outcome] = sync(registry, resolve_sources(["us-1260h"]), options)
    return outcome


async def _sync(registry: Registry, url: str, fetch: FetchOptions = FAST) -> SyncOutcome:
    options = SyncOptions(fetch=fetch, urls={"us-1260h": url})
    return await asyncio.to_thread(_sync_now, registry, options)


def _state(registry: Registry) -> tuple[str | None, int]:
    with unit_of_work(registry.sessions) as session:
        state = session.scalars(select(SyncState).where(SyncState.source == "us-1260h")).one()
        return state.last_error, state.failures


# -- a total deadline per source ----------------------------------------------------------


async def test_a_dripping_publisher_fails_at_the_deadline_and_frees_the_lock(
    empty_registry: Registry, publisher: Publisher
) -> None:
    # A byte every 50 ms: the 2 s read timeout never fires; only a total deadline can.
    publisher.mode = "drip"
    publisher.publish("1260h.csv", BODY)
    slow = FetchOptions(retries=0, read_timeout_s=2.0, deadline_s=DEADLINE_S, http_hosts=LOCAL_HTTP)
    options = SyncOptions(fetch=slow, urls={"us-1260h": publisher.url("1260h.csv")})
    outcomes: list[SyncOutcome] = []
    runner = threading.Thread(target=lambda: outcomes.append(_sync_now(empty_registry, options)))
    started = time.monotonic()
    runner.start()
    while not publisher.requests:
        await asyncio.sleep(0.02)
    # Meanwhile a second pass finds the lock taken, and says so.
    beside = await asyncio.to_thread(_sync_now, empty_registry, options)
    assert (beside.status, beside.message) == ("skipped", SKIPPED_MESSAGE)
    while runner.is_alive():
        await asyncio.sleep(0.05)
    took = time.monotonic() - started
    [outcome] = outcomes
    assert outcome.status == "failed" and "MCF_SYNC_DEADLINE" in outcome.message
    assert DEADLINE_S <= took < DEADLINE_S + 3  # the drip alone would go on for 20 s
    error, failures = _state(empty_registry)
    assert failures == 1 and error is not None and "MCF_SYNC_DEADLINE" in error
    # The lock is free: the next pass runs (and, served at once, imports).
    publisher.mode = "ok"
    after = await _sync(empty_registry, publisher.url("1260h.csv"))
    assert after.status == "changed"


# -- redirects: within the URL's origin only -----------------------------------------------


async def test_a_redirect_within_the_origin_is_followed(
    empty_registry: Registry, publisher: Publisher
) -> None:
    publisher.publish("lists/1260h.csv", BODY)
    publisher.redirects["old/1260h.csv"] = "/lists/1260h.csv"
    outcome = await _sync(empty_registry, publisher.url("old/1260h.csv"))
    assert outcome.status == "changed"
    assert [p for p, _ in publisher.requests] == ["old/1260h.csv", "lists/1260h.csv"]


async def test_a_redirect_to_another_host_is_refused(
    empty_registry: Registry, publisher: Publisher
) -> None:
    elsewhere = await Publisher().start()  # another port: another origin
    try:
        elsewhere.publish("1260h.csv", BODY)
        publisher.redirects["1260h.csv"] = elsewhere.url("1260h.csv")
        outcome = await _sync(empty_registry, publisher.url("1260h.csv"))
        assert outcome.status == "failed"
        assert "another origin" in outcome.message and elsewhere.url("1260h.csv") in outcome.message
        assert elsewhere.requests == []  # not even asked
    finally:
        await elsewhere.stop()
    assert _state(empty_registry)[1] == 1


async def test_a_redirect_from_https_to_http_is_refused(
    empty_registry: Registry, publisher: Publisher, tls_cert: tuple[Path, Path]
) -> None:
    """Even to a host allowed over http: the https URL was the operator's choice."""
    cert, key = tls_cert
    publisher.publish("1260h.csv", BODY)

    async def moved(_request: web.Request) -> web.Response:
        raise web.HTTPFound(publisher.url("1260h.csv"))

    app = web.Application()
    app.router.add_get("/1260h.csv", moved)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    runner, port = await listen(app, context)
    trusted = FetchOptions(retries=0, ca_bundle=str(cert), http_hosts=LOCAL_HTTP)
    try:
        outcome = await _sync(empty_registry, f"https://127.0.0.1:{port}/1260h.csv", trusted)
    finally:
        await runner.cleanup()
    assert outcome.status == "failed" and "another origin" in outcome.message
    assert publisher.requests == []


# -- https only, unless the operator names an http mirror -----------------------------------


async def test_plain_http_is_refused_unless_the_mirror_is_named(
    empty_registry: Registry, publisher: Publisher
) -> None:
    publisher.publish("1260h.csv", BODY)
    https_only = FetchOptions(retries=0)
    outcome = await _sync(empty_registry, publisher.url("1260h.csv"), https_only)
    assert outcome.status == "failed" and "https only" in outcome.message
    assert publisher.requests == []
    named = FetchOptions(retries=0, http_hosts=frozenset({f"127.0.0.1:{publisher.port}"}))
    assert (await _sync(empty_registry, publisher.url("1260h.csv"), named)).status == "changed"


def test_an_http_mirror_url_needs_its_host_named_in_the_settings() -> None:
    env = {"MCF_DATABASE_URL": "sqlite://"}
    url = {"MCF_SYNC_URL_US_1260H": "http://mirror.example.org/1260h.csv"}
    with pytest.raises(SettingsError, match=r"MCF_SYNC_URL_US_1260H.*MCF_SYNC_HTTP_MIRRORS"):
        Settings.from_env(env | url)
    with pytest.raises(SettingsError, match="MCF_SYNC_HTTP_MIRRORS"):
        Settings.from_env(env | url | {"MCF_SYNC_HTTP_MIRRORS": "other.example.org"})
    settings = Settings.from_env(env | url | {"MCF_SYNC_HTTP_MIRRORS": "Mirror.Example.org"})
    options = settings.sync.options
    assert options.urls["us-1260h"] == url["MCF_SYNC_URL_US_1260H"]
    assert options.fetch.http_hosts == frozenset({"mirror.example.org"})
    # The deadline is a setting too.
    assert options.fetch.deadline_s == FetchOptions().deadline_s
    deadline = Settings.from_env(env | {"MCF_SYNC_DEADLINE": "90"}).sync.options.fetch.deadline_s
    assert deadline == 90
