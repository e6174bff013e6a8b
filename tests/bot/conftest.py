"""Front-end fixtures: a local fake Slack Web API / response_url server per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fake_slack import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()
