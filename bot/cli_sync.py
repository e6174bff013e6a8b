"""``mcf-bot sync``: fetch the lists from their publishers and import what changed.

``--once`` suits cron and a Kubernetes CronJob (its exit status says whether every source
synced: 1 when one failed or was held, 3 when another pass held the lock and this one
did nothing); without it the command repeats every ``MCF_SYNC_INTERVAL`` seconds.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from bot.settings import Settings, SettingsError
from registry.db import unit_of_work
from registry.service import Registry

log = logging.getLogger(__name__)

# Exit status of a pass in which at least one source failed (2 is a usage or settings error).
EXIT_FAILED = 1
# Exit status of a pass that did nothing because another pass holds the lock: not a
# success (nothing was checked), not a failure of any source.
EXIT_SKIPPED = 3


def cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    from registry.sync.run import resolve_sources, sync

    registry = Registry.connect(settings.database_url)
    registry.ensure_ready(lambda m: print(m, file=sys.stderr))
    accept = [s.id for s in resolve_sources(args.accept)] if args.accept else []
    # `sync --accept csl` alone syncs that source only.
    sources = resolve_sources(args.source or accept)
    if not args.once:
        if settings.sync.interval_s <= 0:
            raise SettingsError("MCF_SYNC_INTERVAL is 0: use `mcf-bot sync --once` (cron)")
        logging.getLogger().setLevel(logging.INFO)
        print(
            f"mcf-bot sync: runs every {_every(settings.sync.interval_s)} until stopped "
            "(Ctrl-C; MCF_SYNC_INTERVAL sets the interval). For one pass, as cron wants it: "
            "mcf-bot sync --once",
            file=sys.stderr,
        )
        run_forever(registry, settings, threading.Event(), sources_ids=args.source or [])
        return 0
    failed = skipped = False
    for outcome in sync(
        registry, sources, settings.sync.options, accept=accept, report=_progress_line
    ):
        edition = f" (edition {outcome.edition})" if outcome.edition else ""
        # One line per source, whatever happened: the reason, never a traceback.
        line = " ".join(f"{outcome.source}: {outcome.status}: {outcome.message}{edition}".split())
        failed = failed or outcome.status in ("failed", "held")
        skipped = skipped or outcome.status == "skipped"
        if outcome.status in ("failed", "held", "skipped"):
            print(line, file=sys.stderr)
        else:
            print(line)
    if failed:
        return EXIT_FAILED
    return EXIT_SKIPPED if skipped else 0


def _progress_line(line: str) -> None:
    """What a pass is doing, as it does it (stderr: stdout keeps one line per source)."""
    print(line, file=sys.stderr, flush=True)


def _every(seconds: float) -> str:
    hours, minutes = seconds / 3600, seconds / 60
    if hours >= 1 and hours == int(hours):
        return f"{int(hours)} hour{'s' if hours != 1 else ''}"
    if minutes >= 1 and minutes == int(minutes):
        return f"{int(minutes)} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} seconds"


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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="fetch the lists from their publishers; import what changed")
    p.add_argument("--once", action="store_true", help="one pass, then exit (cron, CronJob)")
    p.add_argument(
        "--source",
        action="append",
        metavar="ID",
        help="only this source or list (repeatable): csl, ofac-cons, us-1260h, us-meu, ...",
    )
    p.add_argument(
        "--accept",
        action="append",
        metavar="ID",
        help="import this source's next edition even if the guard would hold it (repeatable)",
    )
    p.set_defaults(func=cmd_sync)
