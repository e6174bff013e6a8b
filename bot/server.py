"""One HTTP server for every platform: Slack at ``/slack/events``, Teams at
``/api/messages``, probes at ``/healthz``. Each platform is mounted when its settings are
present; ``serve`` runs whichever are configured.

The registry is synchronous SQLAlchemy; the async edge reaches it through thread pools
(``bot.pools``: one for lookups, one for commands that write).
"""

from __future__ import annotations

import asyncio
import errno
import gc
import json
import logging
import socket
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import replace

from aiohttp import web
from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from bot import wiring
from bot.edge import (
    Refused,
    ReplayGuard,
    interactive,
    shallow,
    slack_signed,
    utf8,
    well_formed,
)
from bot.pools import Pools
from bot.render.adaptive import message_parts as teams_message
from bot.render.slack import message as slack_message
from bot.settings import (
    Settings,
    SettingsError,
    SlackSettings,
    TeamsSettings,
    UnavailableError,
)
from handlers import records
from handlers.context import Services
from handlers.lookup import warm
from handlers.replies import EntityCard, LookupReply, Reply
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.lookup.types import EXACT_NAME, Explanation, MatchKind, NameField

log = logging.getLogger(__name__)

# How often lookups check the change log. Between checks they read no SQL (a card comes
# from the reply cache); an entry another process imports is found this much later.
INDEX_REFRESH_S = 1.0

# Objects allocated (less those freed) between two passes of the cyclic collector over
# the youngest generation, once the cards are built (CPython's default is 700). A
# request's objects die by reference counting; at 700, under 50 concurrent asks a pass
# came every ten answers and walked the objects of every answer in flight, some 15% of
# serve's CPU, and the older passes it led to stalled answers for tens of ms (the p99;
# ``bench/serve.py``). Garbage in cycles waits longer, and is a few MB at most.
YOUNG_GC_THRESHOLD = 50_000

# Set on a Teams request once the SDK's token check has let it through.
_AUTHORIZED = web.RequestKey("mcf_authorized", bool)


def _ping(services: Services) -> int:
    with unit_of_work(services.registry.sessions) as session:
        session.execute(text("SELECT 1"))
        # Warm (or refresh) the name index so the first lookup is fast.
        return len(services.index.current(session).records)


def _mount_slack(
    app: web.Application, slack: SlackSettings, services: Services, executor: Executor
) -> None:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response
    from slack_bolt.request.async_request import AsyncBoltRequest

    from bot.slack.app import create_slack_app

    bolt = create_slack_app(slack, services, executor)
    replays = ReplayGuard()

    async def slack_events(request: web.Request) -> web.Response:
        # The signature, encoding and nesting are checked before Bolt parses the body:
        # Bolt would raise on bad UTF-8 or deep nesting before verifying the signature.
        # Bolt verifies again; no harm.
        try:
            raw = await request.read()
            timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
            signature = request.headers.get("X-Slack-Signature", "")
            if not slack_signed(slack.signing_secret, raw, timestamp, signature):
                raise Refused(401, "invalid or stale Slack signature")
            body = utf8(raw)
            shallow(body, request.content_type)
            replayed = not replays.first_time(f"{timestamp}:{signature}")
            # Bolt parses the body once (a second parse here was 4% of the event loop's
            # time under load); its shape is checked before any listener sees it.
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
            well_formed(bolt_request.body)
            if replayed and interactive(bolt_request.body):
                raise Refused(409, "replayed interactive request (same signature and time)")
        except Refused as refused:
            return refused.response(request)
        except (ValueError, RecursionError, AttributeError, TypeError) as exc:
            # Bolt could not parse it, or read its context from a body of another shape
            # (a JSON array where an object is due).
            return Refused(400, f"unreadable payload ({type(exc).__name__})").response(request)
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    app.router.add_post("/slack/events", slack_events)


def _mount_teams(
    app: web.Application, teams: TeamsSettings, services: Services, executor: Executor
) -> None:
    from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator, start_agent_process
    from pydantic import ValidationError

    from bot.teams.app import create_teams_app
    from bot.teams.conversation import refuse_foreign_service_urls

    bot = create_teams_app(teams, services, executor)

    async def teams_messages(request: web.Request) -> web.StreamResponse:
        request[_AUTHORIZED] = True
        try:
            # Read and checked before the SDK parses it (it raises on bad UTF-8 or deep
            # nesting), and the serviceUrl checked before anything is stored or sent.
            body = utf8(await request.read())
            shallow(body, "application/json")
            try:
                activity = json.loads(body)
            except (ValueError, RecursionError):
                raise Refused(400, "body is not JSON") from None
            refuse_foreign_service_urls(activity, teams)
        except Refused as refused:
            return refused.response(request)
        try:
            response = await start_agent_process(request, bot.agent, bot.connection.adapter)
        except ValidationError as exc:  # not an activity: the sender's error, not ours
            return web.json_response(
                {"error": f"not an activity: {exc.error_count()} errors"}, status=400
            )
        return response or web.Response(status=202)

    # The SDK's decorator guards this route alone (Slack has its own signatures): a
    # request without a valid Bot Framework / Entra token gets 401, unless
    # ANONYMOUS_ALLOWED=true was set for local testing.
    authorized = jwt_authorization_decorator(teams_messages)

    async def teams_route(request: web.Request) -> web.StreamResponse:
        try:
            return await authorized(request)
        except Exception as exc:
            if request.get(_AUTHORIZED):
                raise  # past the token check: our error, logged with its traceback
            # The SDK's validator raises on some malformed tokens (no ``kid``, claims
            # that are not JSON): that is a refusal, not a server error.
            reason = f"unreadable token ({type(exc).__name__})"
            return Refused(401, reason).response(request)

    async def close_clients(_app: web.Application) -> None:
        await bot.clients.close()

    app.on_cleanup.append(close_clients)
    with warnings.catch_warnings():
        # The decorator reads its settings from this string key (the SDK's convention).
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = bot.connection.auth
    app.router.add_post("/api/messages", teams_route)


def create_app(
    settings: Settings,
    services: Services,
    executor: Executor,
    warmed: threading.Event | None = None,
) -> web.Application:
    """The aiohttp application; ``run`` and the tests both build it here. ``warmed``:
    set once the cards built ahead of the first asks are in (``start_warming``)."""
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
        # "cards_ready": the cards built ahead of the first asks are all in (serve is
        # healthy before that; a card not yet built is built when asked).
        ready = warmed is None or warmed.is_set()
        return web.json_response({"status": "ok", "names": names, "cards_ready": ready})

    app.router.add_get("/healthz", healthz)
    return app


def build_services(settings: Settings) -> Services:
    services = wiring.build_services(settings, index_refresh_s=INDEX_REFRESH_S)
    _ping(services)
    return services


def start_warming(settings: Settings, services: Services) -> threading.Event:
    """Cards for the registry's organisations, built and rendered for the platforms in
    use beside the first requests rather than by them (a card is several queries and a
    few thousand Block Kit objects; a cached one none). The event is set when done."""
    done = threading.Event()
    renders: list[Callable[[Reply], object]] = []
    if settings.slack is not None:
        renders.append(slack_message)
    if settings.teams is not None:
        renders.append(teams_message)

    def render(card: EntityCard) -> None:
        records.ready(services, card)
        # As asked by its name, and as asked by another of its names (a match note:
        # rendered once with a stand-in that each such ask fills, ``bot.render.cache``).
        by_name = LookupReply(card.name, MatchStatus.MATCH, card, how=EXACT_NAME)
        by_alias = replace(by_name, how=Explanation(MatchKind.EXACT, NameField.ALIAS))
        for rendered in renders:
            rendered(Reply(by_name))
            rendered(Reply(by_alias))

    def run() -> None:
        started = time.monotonic()
        try:
            built = warm(services, each=render)
            log.info("%d cards built in %.1f s", built, time.monotonic() - started)
        except Exception:  # a card that cannot be built is built (and fails) when asked
            log.exception("building cards ahead of the first asks failed")
        finally:
            # The index, the cards and their renderings are some millions of objects that
            # live as long as the process: left to the cyclic collector, each full pass
            # over them stalls every request for a few hundred ms (the p99 under load).
            gc.freeze()
            _, older, oldest = gc.get_threshold()
            gc.set_threshold(YOUNG_GC_THRESHOLD, older, oldest)
            done.set()

    threading.Thread(target=run, name="warm-cards", daemon=True).start()
    return done


def _routes(settings: Settings) -> str:
    routes = []
    if settings.slack is not None and settings.slack.signing_secret:
        routes.append("POST /slack/events")
    if settings.teams is not None:
        routes.append("POST /api/messages")
    listening = ", ".join([*routes, "GET /healthz"])
    if settings.slack is not None and settings.slack.app_token:
        listening += "; Slack over Socket Mode"
    return listening


def _socket_mode(
    slack: SlackSettings, services: Services, executor: Executor
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Slack's Socket Mode as part of the server's life: connected at start-up, closed at
    shutdown. The handler is created in here, inside the running loop: its aiohttp
    session and message processor need one (aiohttp refuses to start them outside)."""

    async def connect(_app: web.Application) -> AsyncIterator[None]:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        from bot.slack.app import create_slack_app

        bolt = create_slack_app(slack, services, executor)
        handler = AsyncSocketModeHandler(bolt, slack.app_token)
        try:
            await handler.connect_async()
        except SlackApiError as exc:
            await handler.close_async()
            raise app_token_refused(exc) from None
        yield
        await handler.close_async()

    return connect


def app_token_refused(exc: SlackApiError) -> SettingsError:
    error = exc.response.get("error", "refused") if exc.response else "refused"
    return SettingsError(
        f"Slack refused SLACK_APP_TOKEN ({error}): set it to the app-level token "
        "(xapp-..., Basic Information > App-Level Tokens, scope connections:write)"
    )


def require_app_token(slack: SlackSettings) -> None:
    """Ask Slack for a Socket Mode URL once, before the registry and its index are
    opened: a refused app token is then one line at once, not after minutes of start-up.
    (The URL is not used; Socket Mode asks for its own when the server starts.)"""
    from slack_sdk import WebClient

    assert slack.app_token is not None
    client = WebClient(token=slack.app_token, base_url=slack.api_url)
    try:
        client.apps_connections_open(app_token=slack.app_token)
    except SlackApiError as exc:
        raise app_token_refused(exc) from None
    except OSError as exc:  # URLError included: no network, DNS, a proxy refusing
        raise UnavailableError(f"cannot reach Slack at {slack.api_url} ({exc})") from None


def require_free_port(port: int) -> None:
    """Fail before the registry is loaded, not after "listening" (aiohttp binds last)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As aiohttp binds: SO_REUSEADDR, so a socket in TIME_WAIT is no obstacle.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            raise PortInUseError(port, exc) from None


class PortInUseError(UnavailableError):
    def __init__(self, port: int, exc: OSError) -> None:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else "cannot be opened"
        super().__init__(
            f"port {port} {reason} ({exc.strerror}): stop the other server or set MCF_PORT "
            "to a free port"
        )


def event_loop() -> asyncio.AbstractEventLoop | None:
    """uvloop's event loop where it is installed (not on Windows), else None (asyncio's).
    Under 50 concurrent first asks, serve's p99 fell from 308-403 ms to 269-278 ms
    (bench/serve.py --warmup 0): the loop runs Bolt, aiohttp and every hand-over to and
    from the registry's threads, and uvloop's own part of that costs less."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop()


def run(settings: Settings, *, alerts: bool = True) -> None:
    settings.require_platform()
    require_free_port(settings.port)
    if settings.slack is not None and settings.slack.app_token:
        require_app_token(settings.slack)
    services = build_services(settings)
    warmed = start_warming(settings, services)
    wiring.start_background(settings, services.registry, alerts=alerts)
    executor = Pools()
    # One server in every mode: Socket Mode still answers /healthz (compose's healthcheck).
    app = create_app(settings, services, executor, warmed)
    slack = settings.slack
    if slack is not None and slack.app_token:
        app.cleanup_ctx.append(_socket_mode(slack, services, executor))

    def listening(_aiohttp_message: str) -> None:  # called once the port is bound
        print(f"mcf-bot listening on :{settings.port} ({_routes(settings)})", file=sys.stderr)

    try:
        web.run_app(app, port=settings.port, print=listening, loop=event_loop())
    except OSError as exc:  # taken between the check above and the bind
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUseError(settings.port, exc) from None
        raise
