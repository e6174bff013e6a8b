"""Front-end fixtures: a local fake Slack Web API / response_url server per test, and the
real aiohttp app (Slack route, signed with ``SECRET``) on a real port in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiohttp import web

from bot.server import create_app
from bot.settings import Settings, SlackSettings
from handlers.context import Services
from tests.fake_slack import SECRET, FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(services: Services, fake_slack: FakeSlack) -> AsyncIterator[str]:
    settings = Settings(
        database_url=str(services.registry.engine.url),
        slack=SlackSettings("xoxb-test", SECRET, None, fake_slack.api_url),
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        runner = web.AppRunner(create_app(settings, services, pool))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}"
        await runner.cleanup()
