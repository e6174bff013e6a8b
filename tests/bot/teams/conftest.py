"""Teams fixtures: a local fake Bot Framework connector, and the real aiohttp server
(``bot.server.create_app``) on a real port with Teams configured the SDK's way.

``teams_env`` is anonymous (as for the local Playground): JWT tests build their own
settings with a client id and no ANONYMOUS_ALLOWED, the production default.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import TEAMS_PREFIX, Settings
from handlers.context import Services
from registry.service import Registry
from tests.bot.app_server import serve
from tests.bot.teams.fake_connector import FakeConnector

ANONYMOUS_ENV = {f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED": "true"}
SECURED_ENV = {
    f"{TEAMS_PREFIX}CLIENTID": "00000000-0000-0000-0000-0000000000aa",
    f"{TEAMS_PREFIX}CLIENTSECRET": "not-a-real-secret",
    f"{TEAMS_PREFIX}TENANTID": "00000000-0000-0000-0000-0000000000bb",
}


def teams_settings(registry: Registry, env: dict[str, str] | None = None) -> Settings:
    return Settings.from_env(
        {"MCF_DATABASE_URL": str(registry.engine.url), **(ANONYMOUS_ENV if env is None else env)}
    )


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def teams_server(services: Services) -> AsyncIterator[str]:
    async for url in serve(teams_settings(services.registry), services):
        yield url
