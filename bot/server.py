"""One HTTP server for every platform: Slack at ``/slack/events``, probes at ``/healthz``.

The registry is synchronous SQLAlchemy; the async edge reaches it through one thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from concurrent.futures import Executor, ThreadPoolExecutor

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text

from bot.alerts.runtime import start_background_worker
from bot.settings import Settings
from bot.slack.app import create_slack_app
from handlers.context import Services
from registry.db import unit_of_work
from registry.service import Registry

log = logging.getLogger(__name__)


def _ping(services: Services) -> int:
    with unit_of_work(services.registry.sessions) as session:
        session.execute(text("SELECT 1"))
        # Warm (or refresh) the name index so the first lookup is fast.
        return len(services.index.current(session).records)


def create_app(settings: Settings, services: Services, executor: Executor) -> web.Application:
    """The aiohttp application; ``run`` and the tests both build it here."""
    app = web.Application(client_max_size=1024 * 1024)
    slack = settings.require_slack()
    bolt: AsyncApp = create_slack_app(slack, services, executor)

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        try:
            names = await asyncio.get_running_loop().run_in_executor(executor, _ping, services)
        except Exception as exc:
            log.exception("health check failed")
            return web.json_response({"status": "error", "error": type(exc).__name__}, status=503)
        return web.json_response({"status": "ok", "names": names})

    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


def build_services(settings: Settings) -> Services:
    registry = Registry.connect(settings.database_url)
    registry.ensure_ready(lambda message: print(message, file=sys.stderr))
    services = Services(registry)
    _ping(services)
    return services


def run(settings: Settings, *, alerts: bool = True) -> None:
    slack = settings.require_slack()
    services = build_services(settings)
    if alerts:
        start_background_worker(services.registry, settings)
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="registry")
    if slack.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        bolt = create_slack_app(slack, services, executor)
        asyncio.run(AsyncSocketModeHandler(bolt, slack.app_token).start_async())
        return
    app = create_app(settings, services, executor)
    print(
        f"mcf-bot listening on :{settings.port} (POST /slack/events, GET /healthz)", file=sys.stderr
    )
    web.run_app(app, port=settings.port, print=None)
