"""Where the app is wired: the one place that opens the registry, builds the services the
commands answer from, and starts the background work a server runs beside them.

Every command, the server and the alert worker come through here, so a new setting that
the services need is read in one place (``tests/test_architecture.py`` checks that
nothing else in ``bot`` opens the registry). The alert worker and the sync schedule are
imported only when started: ``mcf-bot ask`` loads no chat client and no importer.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from bot.settings import Settings
from handlers.context import Services
from registry.lookup.saved import live_index
from registry.service import Registry

Announce = Callable[[str], None]


def say(message: str) -> None:
    """A progress or notice line for the person at the terminal (stderr: stdout is the
    answer, which may be piped)."""
    print(message, file=sys.stderr)


def open_registry(settings: Settings, announce: Announce = say, *, ready: bool = True) -> Registry:
    """The registry of ``MCF_DATABASE_URL``; with ``ready``, created with the bundled data
    on first use and its schema brought up to date (``announce`` says so as it goes).
    ``ready=False`` is for ``mcf-bot db``, which creates and upgrades it itself."""
    registry = Registry.connect(settings.database_url)
    if ready:
        registry.ensure_ready(announce)
    return registry


def build_services(
    settings: Settings,
    registry: Registry | None = None,
    *,
    announce: Announce = say,
    index_refresh_s: float = 0.0,
) -> Services:
    """The services every command answers from: the registry (opened here unless given),
    its name index (``index_refresh_s``: how often a long-running process looks at the
    change log; 0 for a command that answers and exits) and the settings handlers read."""
    registry = registry or open_registry(settings, announce)
    services = Services(
        registry,
        index=live_index(registry.engine.url, settings.index_dir, index_refresh_s, announce),
        alert_admins=frozenset(settings.alert_admins),
        record_admins=frozenset(settings.record_admins),
        check_max_rows=settings.check_max_rows,
        sync=settings.sync.options,
    )
    if settings.share_secrets:
        services.share_keys = settings.share_keys()
    return services


def start_background(
    settings: Settings, registry: Registry, *, alerts: bool = True
) -> list[threading.Event]:
    """What ``serve`` runs beside the web server: the alert worker (unless ``alerts`` is
    off), the sync schedule (when ``MCF_SYNC_INTERVAL`` is set) and the daily line on
    stale lists. Setting an event stops its thread."""
    from bot.schedule import start_background_sync, start_stale_log

    stops = []
    if alerts:
        from bot.alerts.runtime import start_background_worker

        stops.append(start_background_worker(registry, settings))
    # Every replica may run the schedule: the pass lock lets one of them sync at a time.
    sync = start_background_sync(registry, settings)
    if sync is not None:
        stops.append(sync)
    stops.append(start_stale_log(registry))
    return stops
