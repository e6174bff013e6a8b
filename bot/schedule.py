"""The background schedules ``serve`` runs beside the web server, and ``mcf-bot sync``
without ``--once``: a sync pass whenever a source is due, and the daily line saying which
lists are stale. Not a command: the server and the CLI both start them from here.
"""

from __future__ import annotations

import logging
import threading

from bot.settings import Settings
from registry.db import unit_of_work
from registry.errors import RegistryBusyError
from registry.service import Registry

log = logging.getLogger(__name__)


def run_forever(
    registry: Registry, settings: Settings, stop: threading.Event, sources_ids: list[str]
) -> None:
    """Sync whenever the least recently tried source is ``interval`` old, until ``stop``.

    The schedule is read from the database, so a restart neither skips a pass nor repeats
    one, and replicas share one rhythm (the pass lock lets one of them do the work)."""
    from registry.sync.run import resolve_sources, sync
    from registry.sync.state import seconds_until_due

    interval = settings.sync.interval_s
    sources = resolve_sources(sources_ids)
    while not stop.is_set():
        try:
            with unit_of_work(registry.sessions) as session:
                wait = seconds_until_due(session, sources, interval)
            if wait <= 0:
                for outcome in sync(registry, sources, settings.sync.options):
                    if outcome.status in ("changed", "skipped"):
                        log.info("sync: %s: %s", outcome.source, outcome.message)
                wait = interval
        except RegistryBusyError as exc:
            # An import in another process held SQLite's lock longer than a sync waits for
            # it (registry.sync.run.SYNC_LOCK_WAIT_S): one line, as for chat writes.
            log.warning("sync pass: %s (an import?); the next pass tries again", exc)
            wait = interval
        except Exception:
            # A broken database or a bug must not end the schedule of a serving process;
            # the traceback is logged and the next pass tries again.
            log.exception("sync pass failed")
            wait = interval
        stop.wait(min(max(wait, 0.0), interval))


def start_background_sync(registry: Registry, settings: Settings) -> threading.Event | None:
    """The sync schedule ``mcf-bot serve`` runs beside the web server (None when off)."""
    if settings.sync.interval_s <= 0:
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(registry, settings, stop, []), name="sync", daemon=True
    )
    thread.start()
    return stop


# ``serve`` says which lists are stale once a day (and at start-up).
STALE_LOG_INTERVAL_S = 24 * 3600


def log_stale_lists(registry: Registry) -> str | None:
    """Log (warning) the lists whose copy is older than their publisher's rhythm; the line."""
    from registry.currency import stale_lists, stale_sentence
    from registry.views import list_editions

    with unit_of_work(registry.sessions) as session:
        line = stale_sentence(stale_lists(session, list_editions(session)))
    if line is not None:
        log.warning("lists %s", line)
    return line


def start_stale_log(registry: Registry, stop: threading.Event | None = None) -> threading.Event:
    """The daily staleness line ``serve`` logs, on a thread of its own."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                log_stale_lists(registry)
            except Exception:
                # A database hiccup must not end the daily line for good; next day again.
                log.exception("could not check which lists are stale")
            stop.wait(STALE_LOG_INTERVAL_S)

    threading.Thread(target=loop, name="stale-lists", daemon=True).start()
    return stop
