"""Wiring the worker to the configured platforms, for `alerts run` and `serve`."""

from __future__ import annotations

import threading

from bot.alerts.notifier import Notifier, SlackNotifier
from bot.alerts.worker import AlertWorker
from bot.settings import Settings, SettingsError
from registry.service import Registry


def notifiers(settings: Settings) -> dict[str, Notifier]:
    found: dict[str, Notifier] = {}
    if settings.slack is not None:
        found["slack"] = SlackNotifier(settings.slack.bot_token, settings.slack.api_url)
    if not found:
        raise SettingsError(
            "alerts need a platform to post to: set SLACK_BOT_TOKEN (and SLACK_API_URL in tests)"
        )
    return found


def start_background_worker(
    registry: Registry, settings: Settings, interval_s: float = 10.0
) -> threading.Event:
    """The worker `mcf-bot serve` runs beside the web server (stop it with the event)."""
    stop = threading.Event()
    worker = AlertWorker(registry, notifiers(settings))
    thread = threading.Thread(
        target=worker.run_forever, args=(interval_s, stop), name="alerts", daemon=True
    )
    thread.start()
    return stop
