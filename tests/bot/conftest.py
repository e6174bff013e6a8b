"""Front-end fixtures: a local fake Slack Web API / response_url server per test, and the
real aiohttp app (Slack route, signed with ``SECRET``) on a real port in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings, SlackSettings
from handlers.context import Services
from tests.bot.app_server import serve
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
    async for url in serve(settings, services):
        yield url
