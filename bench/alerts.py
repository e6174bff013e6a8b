"""Alert delivery at scale: 1,000 subscribed channels, one 200-organisation import.

Runs twice against a local fake Slack Web API (tests/fake_slack.py): clean, then with
20% of chat.postMessage calls answered 429 (Retry-After: 0) or 500. Prints the time to
deliver everything, messages sent, duplicates and losses (both must be 0) and peak RSS.

    python bench/alerts.py [--channels 1000] [--orgs 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from registry import subscriptions
from registry.db import unit_of_work
from registry.importers import run_import
from registry.service import Registry
from registry.subscriptions import Topic
from tests.fake_slack import FakeSlack

HEADER = [
    "Name",
    "Clean Name",
    "Alias",
    "Previous Name",
    "Parent Name",
    "Note",
    "Start date",
    "End date",
    "Source Url",
]
ENTRY = re.compile(r"^• \*(.+?)\*: ", re.MULTILINE)


def _edition(path: Path, orgs: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(orgs):
            name = f"Benchmark Synthetic Organisation {i:04d} Co., Ltd."
            writer.writerow(
                [
                    name,
                    name,
                    "",
                    "",
                    "",
                    "",
                    "2027-01-01",
                    "",
                    "https://example.org/edition-2027.pdf",
                ]
            )


class FakeInThread:
    """The fake Slack server on its own event loop, so the sync worker can call it."""

    def __init__(self, fail_rate: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.fake = FakeSlack(fail_rate=fail_rate)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)


def run(channels: int, orgs: int, workers: int, fail_rate: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, FakeInThread(fail_rate) as fake:
        registry = Registry.connect(f"sqlite:///{tmp}/bench.sqlite3")
        registry.init(empty=True)
        with unit_of_work(registry.sessions) as session:
            for c in range(channels):
                subscriptions.subscribe(
                    session, platform="slack", channel_id=f"C{c:05d}", topic=Topic.everything()
                )
        edition = Path(tmp) / "edition.csv"
        _edition(edition, orgs)
        with unit_of_work(registry.sessions) as session:
            run_import(session, "us-1260h", [edition])

        started = time.perf_counter()

        def work(i: int) -> None:
            worker = AlertWorker(
                registry, {"slack": SlackNotifier("xoxb", fake.api_url)}, owner=f"bench-{i}"
            )
            for _ in range(20):  # deferred channels are retried on the next pass
                result = worker.run_once()
                if not (result.planned or result.sent or result.deferred):
                    break

        threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

        sent = sum(len(m) for m in fake.channels.values())
        duplicates = losses = 0
        for c in range(channels):
            seen = Counter()
            for message in fake.channels.get(f"C{c:05d}", []):
                for block in message["blocks"]:
                    if block["type"] == "section":
                        seen.update(ENTRY.findall(block["text"]["text"]))
            duplicates += sum(n - 1 for n in seen.values() if n > 1)
            losses += orgs - len(seen)
        registry.engine.dispose()
        return {
            "seconds": elapsed,
            "messages": sent,
            "duplicates": duplicates,
            "losses": losses,
            "injected": fake.injected,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(
        f"{args.channels} channels subscribed to everything, one import of {args.orgs} "
        f"organisations, {args.workers} workers (SQLite), local fake Slack"
    )
    for label, rate in (("clean", 0.0), ("20% 429/500", 0.2)):
        r = run(args.channels, args.orgs, args.workers, rate)
        print(
            f"{label:>12}: delivered in {r['seconds']:.1f} s, {r['messages']:.0f} messages, "
            f"duplicates {r['duplicates']:.0f}, losses {r['losses']:.0f}, "
            f"failures injected {r['injected']:.0f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (whole process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
