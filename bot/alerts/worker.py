"""``mcf-bot alerts run``: plan digests from the change log, then deliver the outbox.

Safe to run several at once (serve replicas, dedicated workers) on PostgreSQL; see
``registry.outbox`` for the exactly-once rules it relies on.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.alerts.notifier import (
    HistoryUnavailable,
    LeaseLost,
    Notifier,
    PayloadRefused,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from handlers.digests import build_digests
from handlers.watch_digest import build_watch_digest, verdict_now
from registry import alert_planning, outbox, subscriptions
from registry.alert_records import SubscriptionRecord, change_records, utcnow
from registry.db import unit_of_work
from registry.errors import RegistryBusyError
from registry.service import Registry
from registry.subscriptions import SubscriptionKind

log = logging.getLogger(__name__)

# A channel's messages are claimed for this long; before each send the lease is renewed
# (for at least the notifier's longest attempt) and ownership confirmed.
LEASE = dt.timedelta(minutes=3)
CHANNEL_PACE_S = 1.0  # Slack: about one message per second per channel
# One channel gets at most this long per pass: a long backlog (or a slow Slack) leaves
# the rest for the next pass instead of holding up every other channel.
CHANNEL_BUDGET_S = 120.0


def _plain_section(text: str) -> dict[str, Any]:
    """A Block Kit section of plain text: nothing in it is read as markup or a mention."""
    return {"type": "section", "text": {"type": "plain_text", "text": text[:3000]}}


@dataclass
class PassResult:
    planned: int = 0
    sent: int = 0
    recovered: int = 0  # found already posted after a crash: marked, not re-sent
    paused: int = 0
    deferred: int = 0
    given_way: int = 0  # channels left to another worker that holds them now
    refused: int = 0  # messages the platform refused as such (recorded, skipped)


class AlertWorker:
    def __init__(
        self,
        registry: Registry,
        notifiers: Mapping[str, Notifier],
        *,
        owner: str | None = None,
        pace_s: float = CHANNEL_PACE_S,
        lease: dt.timedelta = LEASE,
        channel_budget_s: float = CHANNEL_BUDGET_S,
        sleep: Callable[[float], None] = time.sleep,
        admin_channel: tuple[str, str] | None = None,
    ) -> None:
        self.registry = registry
        # (platform, channel id) told once about each edition the import guard held.
        self.admin_channel = admin_channel
        self.notifiers = notifiers
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.pace_s = pace_s
        self.lease = lease
        self.channel_budget_s = channel_budget_s
        self.sleep = sleep
        self._last_sent: dict[str, float] = {}
        self._rendered: dict[tuple[object, ...], list[alert_planning.PlannedMessage]] = {}

    # -- planning -------------------------------------------------------------------

    def plan(self) -> int:
        """Write the outbox for every subscription with news; returns messages planned."""
        planned = 0
        # Channels subscribed to the same thing get the same digest: render it once.
        self._rendered = {}
        with unit_of_work(self.registry.sessions) as session:
            subs = alert_planning.claim_subscriptions(session)
            # A channel's watches (its partners) share one digest; the rest plan alone.
            tasks: list[tuple[str, Callable[[], int]]] = [
                (f"subscription {s.id}", functools.partial(self._plan_one, s.id))
                for s in subs
                if s.kind != SubscriptionKind.WATCH
            ]
            channels = dict.fromkeys(
                (s.platform, s.channel_id) for s in subs if s.kind == SubscriptionKind.WATCH
            )
            tasks += [
                (f"the watches of {p} {c}", functools.partial(self._plan_watches, p, c))
                for p, c in channels
            ]
        for what, task in tasks:
            try:
                planned += task()
            except IntegrityError:
                # Another worker planned this subscription first; its plan stands.
                log.info("%s planned elsewhere", what)
            except RegistryBusyError:
                # An import holds the database (SQLite): so it does for every subscription.
                log.info("registry busy (an import?): planning resumes next pass")
                break
            except Exception:
                # Each subscription on its own: this one is retried next pass, the others
                # are planned (and delivered) now. The traceback is what an operator needs.
                log.exception("planning %s failed; retrying next pass", what)
        return planned

    def _plan_watches(self, platform: str, channel_id: str) -> int:
        """One digest for every watch of the channel with news; each changed verdict is
        told as old and new, and stored with the message in one transaction."""
        if platform not in self.notifiers:
            return 0
        with unit_of_work(self.registry.sessions) as session:
            if not alert_planning.plan_lock(session, platform, channel_id):
                return 0  # another worker is planning this channel's watches now
            news, baselines = [], {}
            watches = alert_planning.channel_watches(session, platform, channel_id)
            for sub in watches:
                changes = alert_planning.pending_changes(session, sub)
                if changes:
                    news.append((SubscriptionRecord.of(sub), change_records(changes)))
                elif sub.verdict is None and sub.entity_id is not None:
                    # Watched from chat (answered without screening it, to stay quick):
                    # the verdict it has now is the one the channel starts from.
                    now = verdict_now(session, sub.entity_id)
                    if now is not None:
                        baselines[sub.id] = now.level.value
            alert_planning.remember_verdicts(session, baselines)
            planned = build_watch_digest(session, news) if news else None
            if planned is None:
                return 0
            messages = self.notifiers[platform].render(planned.digest)
            alert_planning.remember_verdicts(session, planned.verdicts)
            first = next(s for s in watches if s.id == news[0][0].id)
            return alert_planning.enqueue(session, first, messages, owners=planned.owners)

    def _plan_one(self, sub_id: int) -> int:
        with unit_of_work(self.registry.sessions) as session:
            sub = alert_planning.claim_subscription(session, sub_id)
            if sub is None or sub.paused_at is not None or sub.platform not in self.notifiers:
                return 0
            changes = alert_planning.pending_changes(session, sub)
            if not changes:
                return 0
            key = (sub.platform, sub.kind, sub.list_id, sub.entity_id, tuple(c.id for c in changes))
            messages = self._rendered.get(key) if sub.kind != SubscriptionKind.WATCH else None
            if messages is None:
                messages = []
                notifier = self.notifiers[sub.platform]
                record = SubscriptionRecord.of(sub)
                for digest in build_digests(session, record, change_records(changes)):
                    messages += notifier.render(digest)
                self._rendered[key] = messages
            return alert_planning.enqueue(session, sub, messages)

    # -- delivery -------------------------------------------------------------------

    def deliver(self) -> PassResult:
        result = PassResult()
        # Channels that failed in this pass wait for the next one, so a channel that keeps
        # failing is neither retried in a loop nor in the way of the others.
        done: set[str] = set()
        while True:
            with unit_of_work(self.registry.sessions) as session:
                batch = outbox.claim_channel(session, self.owner, self.lease, skip=done)
                work = [
                    (m.id, m.platform, m.channel_id, m.payload, m.nonce, m.attempts, m.created_at)
                    for m in batch
                ]
            if not work:
                return result
            done.add(work[0][2])
            try:
                self._deliver_channel(work, result)
            except Exception:
                log.exception("delivery to %s %s failed; retrying next pass", *work[0][1:3])
                result.deferred += 1
            finally:
                with unit_of_work(self.registry.sessions) as session:
                    outbox.release(session, self.owner)

    def _hold(self, message_id: int, notifier: Notifier) -> bool:
        """Renew the lease on this message for one more attempt and confirm it is still
        ours, in its own transaction: send only if the update touched the row."""
        attempt = dt.timedelta(seconds=getattr(notifier, "attempt_s", 0.0))
        until = utcnow() + max(self.lease, attempt)
        with unit_of_work(self.registry.sessions) as session:
            return outbox.renew_lease(session, message_id, self.owner, until)

    def _deliver_channel(self, work: list[tuple[Any, ...]], result: PassResult) -> None:
        started = time.monotonic()
        for message_id, platform, channel, payload, nonce, attempts, created in work:
            notifier = self.notifiers[platform]
            if time.monotonic() - started > self.channel_budget_s:
                log.info("%s %s: time is up for this pass; the rest waits", platform, channel)
                result.deferred += 1
                return
            try:
                if not self._hold(message_id, notifier):
                    raise LeaseLost(f"another worker holds {channel} now")
                unchecked = None
                if attempts > 0:
                    try:
                        remote = notifier.find_sent(channel, nonce, created)
                    except HistoryUnavailable as exc:
                        # The bot cannot read this channel: send once more, say so.
                        remote, unchecked = None, f"sent without the history check ({exc})"
                        log.warning("%s %s: %s", platform, channel, unchecked)
                    if remote is not None:
                        with unit_of_work(self.registry.sessions) as session:
                            outbox.mark_sent(session, message_id, remote)
                        result.recovered += 1
                        continue
                with unit_of_work(self.registry.sessions) as session:
                    outbox.mark_attempt(session, message_id)
                self._pace(f"{platform}:{channel}")

                def hold(message_id: int = message_id, notifier: Notifier = notifier) -> bool:
                    return self._hold(message_id, notifier)

                remote = notifier.send(channel, payload, nonce, hold=hold)
                with unit_of_work(self.registry.sessions) as session:
                    outbox.mark_sent(session, message_id, remote, unchecked)
                result.sent += 1
            except PayloadRefused as exc:
                self._refused(message_id, platform, channel, exc, result)
            except PermanentDeliveryError as exc:
                with unit_of_work(self.registry.sessions) as session:
                    paused = subscriptions.pause_channel(session, platform, channel, str(exc))
                log.warning(
                    "alerts paused for %s channel %s: %s (%d subscriptions); "
                    "re-subscribe in the channel once the bot can post there",
                    platform,
                    channel,
                    exc,
                    paused,
                )
                result.paused += paused
                return
            except LeaseLost as exc:
                # Ours ran out (a stalled pass?) and another worker took the channel: it
                # sends the rest, in order; sending here too would double them.
                log.warning("delivery to %s %s given way: %s", platform, channel, exc)
                result.given_way += 1
                return
            except TransientDeliveryError as exc:
                log.warning("delivery to %s %s deferred: %s", platform, channel, exc)
                result.deferred += 1
                return  # keep the channel's order: the rest waits for the next pass

    def _refused(
        self, message_id: int, platform: str, channel: str, exc: Exception, result: PassResult
    ) -> None:
        """A message the platform will never take: recorded, and the channel goes on."""
        with unit_of_work(self.registry.sessions) as session:
            outbox.mark_refused(session, message_id, str(exc))
        log.warning("alert message %s to %s %s refused: %s", message_id, platform, channel, exc)
        result.refused += 1

    def _pace(self, key: str) -> None:
        last = self._last_sent.get(key)
        now = time.monotonic()
        if last is not None and now - last < self.pace_s:
            self.sleep(self.pace_s - (now - last))
        self._last_sent[key] = time.monotonic()

    # -- loops ----------------------------------------------------------------------

    def run_once(self) -> PassResult:
        try:
            planned = self.plan()
        except Exception:
            # Planning could not start (the database is away?): still deliver what is
            # already in the outbox.
            log.exception("planning failed; delivering the outbox as it is")
            planned = 0
        result = self.deliver()
        result.planned = planned
        self.announce_holds()
        return result

    def announce_holds(self) -> int:
        """Tell the admins' channel, once each, about editions the import guard held."""
        if self.admin_channel is None:
            return 0
        from registry.guard import announcement, claim_unannounced

        platform, channel = self.admin_channel
        notifier = self.notifiers.get(platform)
        if notifier is None:
            return 0
        with unit_of_work(self.registry.sessions) as session:
            texts = [(h.id, announcement(h)) for h in claim_unannounced(session)]
        for hold_id, text in texts:
            payload = {"text": text, "blocks": [_plain_section(text)]}
            try:
                notifier.send(channel, payload, f"held-edition-{hold_id}")
            except (PermanentDeliveryError, TransientDeliveryError) as exc:
                # Claimed, so never repeated: the hold is in the log and in `sources`.
                log.warning("could not tell the admins' channel about a held edition: %s", exc)
        return len(texts)

    def run_forever(self, interval_s: float = 10.0, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                result = self.run_once()
                if result.sent or result.paused or result.deferred:
                    log.info("alerts pass: %s", result)
            except Exception:
                log.exception("alerts pass failed; retrying in %.0f s", interval_s)
            stop.wait(interval_s)
