"""Wiring the worker to the configured platforms, for `alerts run` and `serve`."""

from __future__ import annotations

import datetime as dt
import threading

from bot.alerts.notifier import Notifier, SlackNotifier
from bot.alerts.worker import AlertWorker
from bot.settings import TEAMS_PREFIX, Settings, SettingsError
from registry.service import Registry


def notifiers(settings: Settings, registry: Registry | None = None) -> dict[str, Notifier]:
    """One notifier per configured platform. Teams reads each conversation's reference
    from the subscriptions, so it needs the registry (connected here if not given)."""
    found: dict[str, Notifier] = {}
    if settings.slack is not None:
        found["slack"] = SlackNotifier(settings.slack.bot_token, settings.slack.api_url)
    if settings.teams is not None:
        from bot import wiring
        from bot.alerts.teams_notifier import TeamsNotifier

        registry = registry or wiring.open_registry(settings, ready=False)
        found["teams"] = TeamsNotifier(settings.teams, registry)
    if not found:
        raise SettingsError(
            "alerts need a platform to post to: set SLACK_BOT_TOKEN (and SLACK_API_URL in "
            f"tests) for Slack, or {TEAMS_PREFIX}CLIENTID, CLIENTSECRET and TENANTID for Teams"
        )
    return found


def worker_for(settings: Settings, registry: Registry) -> AlertWorker:
    """The alert worker with the configured lease and per-channel time budget."""
    return AlertWorker(
        registry,
        notifiers(settings, registry),
        lease=dt.timedelta(seconds=settings.alerts.lease_s),
        channel_budget_s=settings.alerts.channel_budget_s,
        admin_channel=settings.admin_channel,
    )


def start_background_worker(
    registry: Registry, settings: Settings, interval_s: float = 10.0
) -> threading.Event:
    """The worker `mcf-bot serve` runs beside the web server (stop it with the event)."""
    stop = threading.Event()
    worker = worker_for(settings, registry)
    thread = threading.Thread(
        target=worker.run_forever, args=(interval_s, stop), name="alerts", daemon=True
    )
    thread.start()
    return stop
