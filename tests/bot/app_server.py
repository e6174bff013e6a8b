"""The real aiohttp application (``bot.server.create_app``) on a free local port."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.pools import Pools
from bot.server import create_app
from bot.settings import Settings
from handlers.context import Services
from tests.local_http import listen


async def serve(
    settings: Settings, services: Services, pools: Pools | None = None
) -> AsyncIterator[str]:
    """Yields the base URL once, while the app listens (``async for url in serve(...)``).
    Tests get small pools unless they pass their own (the bench passes ``serve``'s)."""
    with pools or Pools(reads=2, write_threads=4) as pool:
        runner, port = await listen(create_app(settings, services, pool))
        yield f"http://127.0.0.1:{port}"
        await runner.cleanup()
