"""One HTTP server for every platform: Slack at ``/slack/events``, Teams at
``/api/messages``, probes at ``/healthz``. Each platform is mounted when its settings are
present; ``serve`` runs whichever are configured.

The registry is synchronous SQLAlchemy; the async edge reaches it through one thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import warnings
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ThreadPoolExecutor

from aiohttp import web
from sqlalchemy import text

from bot.alerts.runtime import start_background_worker
from bot.cli_sync import start_background_sync
from bot.settings import Settings, SlackSettings, TeamsSettings
from handlers.context import Services
from registry.db import unit_of_work
from registry.service import Registry

log = logging.getLogger(__name__)


def _ping(services: Services) -> int:
    with unit_of_work(services.registry.sessions) as session:
        session.execute(text("SELECT 1"))
        # Warm (or refresh) the name index so the first lookup is fast.
        return len(services.index.current(session).records)


def _mount_slack(
    app: web.Application, slack: SlackSettings, services: Services, executor: Executor
) -> None:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    from bot.slack.app import create_slack_app

    bolt = create_slack_app(slack, services, executor)

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    app.router.add_post("/slack/events", slack_events)


def _mount_teams(
    app: web.Application, teams: TeamsSettings, services: Services, executor: Executor
) -> None:
    from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator, start_agent_process
    from pydantic import ValidationError

    from bot.teams.app import create_teams_app

    bot = create_teams_app(teams, services, executor)

    # The SDK's decorator guards this route alone (Slack has its own signatures): a
    # request without a valid Bot Framework / Entra token gets 401, unless
    # ANONYMOUS_ALLOWED=true was set for local testing.
    @jwt_authorization_decorator
    async def teams_messages(request: web.Request) -> web.StreamResponse:
        try:
            response = await start_agent_process(request, bot.agent, bot.connection.adapter)
        except ValidationError as exc:  # not an activity: the sender's error, not ours
            return web.json_response(
                {"error": f"not an activity: {exc.error_count()} errors"}, status=400
            )
        return response or web.Response(status=202)

    with warnings.catch_warnings():
        # The decorator reads its settings from this string key (the SDK's convention).
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = bot.connection.auth
    app.router.add_post("/api/messages", teams_messages)


def create_app(settings: Settings, services: Services, executor: Executor) -> web.Application:
    """The aiohttp application; ``run`` and the tests both build it here."""
    settings.require_platform()
    app = web.Application(client_max_size=1024 * 1024)
    slack = settings.slack
    # Socket Mode has no request signature: its HTTP route is never mounted.
    if slack is not None and slack.signing_secret:
        _mount_slack(app, slack, services, executor)
    if settings.teams is not None:
        _mount_teams(app, settings.teams, services, executor)

    async def healthz(_request: web.Request) -> web.Response:
        try:
            names = await asyncio.get_running_loop().run_in_executor(executor, _ping, services)
        except Exception as exc:
            log.exception("health check failed")
            return web.json_response({"status": "error", "error": type(exc).__name__}, status=503)
        return web.json_response({"status": "ok", "names": names})

    app.router.add_get("/healthz", healthz)
    return app


def build_services(settings: Settings) -> Services:
    registry = Registry.connect(settings.database_url)
    registry.ensure_ready(lambda message: print(message, file=sys.stderr))
    services = Services(registry, sync=settings.sync.options)
    _ping(services)
    return services


def _routes(settings: Settings) -> str:
    routes = []
    if settings.slack is not None and settings.slack.signing_secret:
        routes.append("POST /slack/events")
    if settings.teams is not None:
        routes.append("POST /api/messages")
    return ", ".join([*routes, "GET /healthz"])


def run(settings: Settings, *, alerts: bool = True) -> None:
    settings.require_platform()
    services = build_services(settings)
    if alerts:
        start_background_worker(services.registry, settings)
    # Every replica may run the schedule: the pass lock lets one of them sync at a time.
    start_background_sync(services.registry, settings)
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="registry")
    slack = settings.slack
    if slack is not None and slack.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        from bot.slack.app import create_slack_app

        bolt = create_slack_app(slack, services, executor)
        handler = AsyncSocketModeHandler(bolt, slack.app_token)
        if settings.teams is None:
            asyncio.run(handler.start_async())
            return
        app = create_app(settings, services, executor)

        async def socket_mode(_app: web.Application) -> AsyncIterator[None]:
            await handler.connect_async()
            yield
            await handler.close_async()

        app.cleanup_ctx.append(socket_mode)
    else:
        app = create_app(settings, services, executor)
    print(f"mcf-bot listening on :{settings.port} ({_routes(settings)})", file=sys.stderr)
    web.run_app(app, port=settings.port, print=None)
