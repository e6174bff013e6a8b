"""Where messages go. One implementation per platform; the worker only sees this."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# Errors that no retry will fix: the channel is gone or the bot is not allowed in it.
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "invalid_auth",
    "token_revoked",
    "restricted_action",
}
METADATA_EVENT = "mcf_alert"

if TYPE_CHECKING:
    from handlers.alerts import Digest
    from registry.alerts import PlannedMessage


class PermanentDeliveryError(Exception):
    """The channel cannot receive messages; its subscriptions are paused."""


class TransientDeliveryError(Exception):
    """Still failing after the retries; the message stays pending for the next pass."""


class Notifier(Protocol):
    platform: str

    def render(self, digest: Digest) -> list[PlannedMessage]:
        """The digest as this platform's messages, stored in the outbox before sending."""
        ...

    def send(self, channel_id: str, payload: dict[str, Any], nonce: str) -> str: ...

    def find_sent(self, channel_id: str, nonce: str, since: dt.datetime) -> str | None: ...


class SlackNotifier:
    platform = "slack"

    def __init__(self, token: str, api_url: str, *, max_retries: int = 5) -> None:
        self.client = WebClient(
            token=token,
            base_url=api_url,
            timeout=15,
            # The SDK's handlers: Retry-After on 429, backoff on 5xx and connection errors.
            retry_handlers=[
                RateLimitErrorRetryHandler(max_retry_count=max_retries),
                ServerErrorRetryHandler(max_retry_count=max_retries),
                ConnectionErrorRetryHandler(max_retry_count=max_retries),
            ],
        )

    def render(self, digest: Digest) -> list[PlannedMessage]:
        from bot.render.slack_alerts import digest_messages

        return digest_messages(digest)

    def send(self, channel_id: str, payload: dict[str, Any], nonce: str) -> str:
        try:
            response = self.client.chat_postMessage(
                channel=channel_id,
                text=payload["text"],
                blocks=payload["blocks"],
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"nonce": nonce}},
            )
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except Exception as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        return str(response.get("ts") or "")

    def find_sent(self, channel_id: str, nonce: str, since: dt.datetime) -> str | None:
        """After a crash: did Slack accept this message before we could record it?"""
        oldest = (since - dt.timedelta(minutes=5)).replace(tzinfo=dt.UTC).timestamp()
        cursor = None
        try:
            while True:
                page = self.client.conversations_history(
                    channel=channel_id,
                    oldest=str(oldest),
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
                messages: list[dict[str, Any]] = page.get("messages", [])
                for message in messages:
                    meta = message.get("metadata") or {}
                    if meta.get("event_payload", {}).get("nonce") == nonce:
                        return str(message.get("ts"))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except SlackApiError as exc:
            raise _classify(exc) from exc


def _classify(exc: SlackApiError) -> Exception:
    error = str(exc.response.get("error", "")) if exc.response is not None else ""
    if error in PERMANENT:
        return PermanentDeliveryError(error)
    return TransientDeliveryError(error or str(exc))
