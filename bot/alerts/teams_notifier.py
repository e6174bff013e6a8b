"""Alerts to Microsoft Teams: proactive messages through the Agents SDK.

The worker is synchronous and may run in any process; each send runs the SDK's
``continue_conversation`` on a short-lived event loop, with the conversation reference
that ``subscribe``/``watch`` stored in the subscription. The outbox, leases and the
one-plan rule (``registry.outbox``) hold exactly as for Slack. One difference: Teams
gives bots no way to read a conversation's history, so ``find_sent`` cannot look for a
message's nonce after a crash; a worker killed in the instant between Teams accepting a
message and the database recording it sends that one message again. For the same reason
only failures that certainly sent nothing (429, no connection) are retried at once; after
a 5xx or a dropped connection the message waits for the next pass.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext

from bot.alerts.notifier import (
    ATTEMPT_MARGIN_S,
    Hold,
    LeaseLost,
    PermanentDeliveryError,
    TransientDeliveryError,
    always,
)
from bot.render.adaptive import digest_messages
from bot.settings import TeamsSettings
from bot.teams.app import TeamsConnection, connect
from bot.teams.conversation import (
    PLATFORM,
    continuation,
    loopback_allowed,
    service_url_allowed,
)
from bot.teams.listeners import card_message
from handlers.digests import Digest
from registry.alert_planning import PlannedMessage
from registry.db import unit_of_work
from registry.service import Registry
from registry.subscriptions import conversation_reference

log = logging.getLogger(__name__)

# The conversation is gone or the bot was removed or blocked there: no retry will help.
PERMANENT_STATUS = {403, 404}
SEND_TIMEOUT_S = 60.0


class TeamsNotifier:
    platform = PLATFORM
    attempt_s = SEND_TIMEOUT_S + ATTEMPT_MARGIN_S

    def __init__(
        self,
        teams: TeamsSettings,
        registry: Registry,
        *,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.teams = teams
        self.registry = registry
        self.max_retries = max_retries
        self.sleep = sleep
        self._connection: TeamsConnection | None = None

    def render(self, digest: Digest) -> list[PlannedMessage]:
        return digest_messages(digest)

    def reference(self, channel_id: str) -> dict[str, Any] | None:
        """The newest stored conversation reference for this conversation."""
        with unit_of_work(self.registry.sessions) as session:
            reference = conversation_reference(session, PLATFORM, channel_id)
        return reference if isinstance(reference, dict) else None

    def send(
        self, channel_id: str, payload: dict[str, Any], nonce: str, hold: Hold = always
    ) -> str:
        reference = self.reference(channel_id)
        if not reference:
            raise PermanentDeliveryError("no conversation reference: subscribe there again")
        loopback = loopback_allowed(self.teams)
        if not service_url_allowed(
            reference.get("serviceUrl"), self.teams.service_hosts, loopback=loopback
        ):
            # Stored before the allow-list (or the list changed): never send the token there.
            raise PermanentDeliveryError("serviceUrl host not allowed (MCF_TEAMS_SERVICE_HOSTS)")
        for attempt in range(self.max_retries + 1):
            if not hold():
                raise LeaseLost(f"another worker holds {channel_id} now")
            try:
                return asyncio.run(asyncio.wait_for(self._send(reference, payload), SEND_TIMEOUT_S))
            except aiohttp.ClientResponseError as exc:
                if exc.status in PERMANENT_STATUS:
                    raise PermanentDeliveryError(f"HTTP {exc.status}") from exc
                if exc.status != 429:
                    # A 5xx may come after Teams stored the message, and Teams gives bots
                    # no history to check: no re-send now; the next pass sends it again
                    # (at most one copy per pass, never a burst of retries).
                    raise TransientDeliveryError(f"HTTP {exc.status}: {exc.message}") from exc
                error: Exception = exc
                delay = _retry_after(exc) or min(2.0**attempt, 30.0)
            except aiohttp.ClientConnectorError as exc:
                # No connection was made: nothing was sent, so sending again is safe.
                error, delay = exc, min(2.0**attempt, 30.0)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                # Dropped mid-request or timed out: perhaps delivered. As for a 5xx.
                raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
            except Exception as exc:
                # Anything else (a token the SDK could not get, a malformed reference) is
                # logged with its traceback and left pending for the next pass, in order.
                log.exception("Teams delivery to %s failed", channel_id)
                raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
            if attempt == self.max_retries:
                raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
            self.sleep(delay)
        raise AssertionError("unreachable")

    def find_sent(self, channel_id: str, nonce: str, since: dt.datetime) -> str | None:
        """Teams has no history API for bots: nothing can be found (see module doc)."""
        return None

    async def _send(self, reference: dict[str, Any], payload: dict[str, Any]) -> str:
        if self._connection is None:
            self._connection = connect(self.teams)
        adapter = self._connection.adapter
        sent: list[str] = []

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(card_message(payload["card"], payload["text"]))
            sent.append(str(response.id or "") if response else "")

        activity = continuation(reference)
        if self.teams.client_id:
            await adapter.continue_conversation(self.teams.client_id, activity, post)
        else:
            # Anonymous (local Playground): no token is asked for or sent.
            anonymous = ClaimsIdentity({})
            await adapter.continue_conversation_with_claims(anonymous, activity, post)
        return sent[0] if sent else ""


def _retry_after(exc: aiohttp.ClientResponseError) -> float | None:
    value = exc.headers.get("Retry-After") if exc.headers else None
    try:
        return min(float(value), 60.0) if value else None
    except ValueError:
        return None
