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

from bot import schedule, wiring
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

# Exit status of a pass in which at least one source failed (2 is a usage or settings error).
EXIT_FAILED = 1
# Exit status of a pass that did nothing because another pass holds the lock: not a
# success (nothing was checked), not a failure of any source.
EXIT_SKIPPED = 3


def cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    from registry.sync.run import resolve_sources, sync

    registry = wiring.open_registry(settings)
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
        schedule.run_forever(registry, settings, threading.Event(), sources_ids=args.source or [])
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
