"""Where messages go. One implementation per platform; the worker only sees this."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
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
# Errors about the message itself: sending it again fails the same way, and waiting for
# it would hold up every later alert to the channel. It is recorded and skipped.
PAYLOAD_ERRORS = {"msg_blocks_too_long", "invalid_blocks", "msg_too_long", "invalid_arguments"}
# The bot may not read the channel's history (older installs without the scope, DMs):
# a message's nonce cannot be looked for, so it is sent once without the check.
HISTORY_ERRORS = {"missing_scope", "not_allowed", "not_allowed_token_type"}
METADATA_EVENT = "mcf_alert"
# After an uncertain failure, wait this long (times the attempt) before looking for the
# message in the channel and sending it again.
RESEND_PAUSE_S = 1.0
# One chat.postMessage call may take this long before the client gives up on it.
POST_TIMEOUT_S = 15.0
# A worker's lease covers one attempt with this margin (the database round trips).
ATTEMPT_MARGIN_S = 5.0
# Slack's Retry-After is honoured up to this; a longer wait is the next pass's.
MAX_RETRY_AFTER_S = 30.0

# Asked before every post: renews the worker's lease on the message and says whether it
# is still the worker's to send (False: another worker has it; send nothing).
Hold = Callable[[], bool]


def always() -> bool:
    return True


if TYPE_CHECKING:
    from handlers.digests import Digest
    from registry.alert_planning import PlannedMessage


class PermanentDeliveryError(Exception):
    """The channel cannot receive messages; its subscriptions are paused."""


class TransientDeliveryError(Exception):
    """Still failing after the retries; the message stays pending for the next pass."""


class PayloadRefused(Exception):
    """The platform refused this message (too long, malformed blocks): never retried."""


class HistoryUnavailable(Exception):
    """The channel's history cannot be read: whether a message arrived is unknowable."""


class LeaseLost(Exception):
    """The worker's lease on the message ran out and another worker holds it now."""


class _Uncertain(Exception):
    """A 5xx, a timeout or a dropped connection: Slack may have posted the message."""


class _RateLimited(Exception):
    """429: nothing was posted; Slack asks for a pause first."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"rate limited (Retry-After {delay:g} s)")
        self.delay = delay


class Notifier(Protocol):
    platform: str
    # The longest one send attempt may take: a worker's lease is renewed for at least
    # this long before each attempt (``hold``), so no other worker can take it mid-post.
    attempt_s: float

    def render(self, digest: Digest) -> list[PlannedMessage]:
        """The digest as this platform's messages, stored in the outbox before sending."""
        ...

    def send(
        self, channel_id: str, payload: dict[str, Any], nonce: str, hold: Hold = always
    ) -> str:
        """Post once; ``hold()`` before every attempt, ``LeaseLost`` when it says no."""
        ...

    def find_sent(self, channel_id: str, nonce: str, since: dt.datetime) -> str | None: ...


class SlackNotifier:
    """Posts with ``chat.postMessage``, never blindly twice.

    Slack sometimes stores a message and still answers 5xx, or the connection drops
    after it was sent. The SDK's retry handlers would post it again, so posting retries
    only on 429 (refused, nothing posted). After an uncertain failure the message's nonce
    is looked for in the channel's recent history first; it is sent again only if absent.
    The 429 retries are ours, not the SDK's: the SDK would wait out Retry-After inside
    one call, past the worker's lease; here each attempt asks ``hold`` first.
    """

    platform = "slack"
    attempt_s = POST_TIMEOUT_S + ATTEMPT_MARGIN_S

    def __init__(
        self,
        token: str,
        api_url: str,
        *,
        max_retries: int = 5,
        resend_pause_s: float = RESEND_PAUSE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = WebClient(
            token=token,
            base_url=api_url,
            timeout=int(POST_TIMEOUT_S),
            retry_handlers=[],  # see the class doc: retries are ``send``'s
        )
        # Reading history changes nothing: every failure may be retried.
        self.reader = WebClient(
            token=token,
            base_url=api_url,
            timeout=15,
            retry_handlers=[
                RateLimitErrorRetryHandler(max_retry_count=max_retries),
                ServerErrorRetryHandler(max_retry_count=max_retries),
                ConnectionErrorRetryHandler(max_retry_count=max_retries),
            ],
        )
        self.max_retries = max_retries
        self.resend_pause_s = resend_pause_s
        self.sleep = sleep

    def render(self, digest: Digest) -> list[PlannedMessage]:
        from bot.render.slack_alerts import digest_messages

        return digest_messages(digest)

    def send(
        self, channel_id: str, payload: dict[str, Any], nonce: str, hold: Hold = always
    ) -> str:
        asked = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        error: Exception | None = None
        uncertain = False
        for attempt in range(self.max_retries + 1):
            if attempt and uncertain:
                self.sleep(self.resend_pause_s * attempt)
                # Did Slack keep the last try although it answered an error?
                try:
                    found = self.find_sent(channel_id, nonce, asked)
                except HistoryUnavailable as exc:
                    # No way to know: not again now; the next pass sends it once more.
                    raise TransientDeliveryError(f"{error}; cannot check: {exc}") from exc
                if found is not None:
                    return found
            if not hold():
                raise LeaseLost(f"another worker holds {channel_id} now")
            try:
                return self._post(channel_id, payload, nonce)
            except _Uncertain as exc:
                error, uncertain = exc, True
            except _RateLimited as exc:
                if exc.delay > MAX_RETRY_AFTER_S:
                    raise TransientDeliveryError(str(exc)) from exc
                error, uncertain = exc, False
                self.sleep(exc.delay)
        raise TransientDeliveryError(f"still failing after {self.max_retries + 1} tries: {error}")

    def _post(self, channel_id: str, payload: dict[str, Any], nonce: str) -> str:
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
            status = exc.response.status_code if exc.response is not None else 0
            if status == 429:
                raise _RateLimited(_retry_after(exc)) from exc
            if status >= 500 or status == 0:
                raise _Uncertain(f"HTTP {status}") from exc
            raise _classify(exc) from exc
        except Exception as exc:
            # A timeout or a dropped connection: the message may or may not be posted.
            raise _Uncertain(f"{type(exc).__name__}: {exc}") from exc
        return str(response.get("ts") or "")

    def find_sent(self, channel_id: str, nonce: str, since: dt.datetime) -> str | None:
        """After a crash: did Slack accept this message before we could record it?"""
        oldest = (since - dt.timedelta(minutes=5)).replace(tzinfo=dt.UTC).timestamp()
        cursor = None
        try:
            while True:
                page = self.reader.conversations_history(
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
            error = _error(exc)
            if error in HISTORY_ERRORS:
                raise HistoryUnavailable(error) from exc
            raise _classify(exc) from exc
        except Exception as exc:  # the SDK's retries are spent: try again next pass
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers if exc.response is not None else {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):  # the SDK keeps some headers as lists
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


def _classify(exc: SlackApiError) -> Exception:
    error = _error(exc)
    if error in PERMANENT:
        return PermanentDeliveryError(error)
    if error in PAYLOAD_ERRORS:
        return PayloadRefused(error)
    return TransientDeliveryError(error or str(exc))
