"""Local HTTP servers for tests: the app under test and the fakes of the services it calls."""

from __future__ import annotations

import ssl

from aiohttp import web


async def listen(
    app: web.Application, ssl_context: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on a free port of 127.0.0.1 (over TLS with ``ssl_context``): the
    runner (to clean up) and the port."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
