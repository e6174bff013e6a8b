"""Build the Bolt app: settings and services are passed in, never read globally."""

from __future__ import annotations

from concurrent.futures import Executor

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import SlackSettings
from bot.slack import (
    home_listeners,
    lookup_listeners,
    mention_listeners,
    pictures,
    quick_listeners,
    record_listeners,
    shortcut_listeners,
)
from bot.slack.after_ack import failed
from handlers.context import Services


def create_slack_app(slack: SlackSettings, services: Services, executor: Executor) -> AsyncApp:
    client = AsyncWebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        # Slack answers 429 with Retry-After under load; the SDK's handler honours it.
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    app = AsyncApp(
        client=client,
        signing_secret=slack.signing_secret or None,
        # Socket Mode has no request signature; HTTP mode always verifies.
        request_verification_enabled=bool(slack.signing_secret),
        # Slack is answered when a listener returns: no polling for the acknowledgement
        # (``bot.slack.after_ack``).
        process_before_response=True,
    )
    for feature in (
        lookup_listeners,
        quick_listeners,
        shortcut_listeners,
        mention_listeners,
        home_listeners,
        pictures,
        record_listeners,
    ):
        feature.register(app, services, executor)

    @app.error
    async def on_error(error: Exception, respond: AsyncRespond | None) -> None:
        await failed(error, respond)

    return app
