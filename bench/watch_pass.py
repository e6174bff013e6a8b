"""An idle alert pass with one name watch after a 60,000-name import (issue 27, finding 5).

Writes N organisations the way the bulk importers do (Core inserts, then the change log's
``log_bulk``, in one transaction), subscribes one name watch that none of them carries,
and times ``AlertWorker.run_once``:

- the first pass after the import (reads the import's changes once),
- idle passes after it (the watermark: nothing old is read; target under 2 s),
- in the same run, an idle pass with the watermark put back to the watch's start, which
  is what every idle pass did before the watermark (the comparison),
- an idle pass of the same registry with no watch at all (the floor).

    python bench/watch_pass.py --url postgresql://user:pw@host/db [--names 60000]
    python bench/watch_pass.py               # SQLite in a temporary directory

On PostgreSQL it works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text, update

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from registry import subscriptions
from registry.changelog import log_bulk
from registry.db import make_engine, make_session_factory, unit_of_work
from registry.models import ChangeKind, Entity, Subscription, utcnow
from registry.service import Registry
from registry.subscriptions import Topic

WATCHED = "Crimson Lotus Avionics Co., Ltd."
IDLE_PASSES = 3
# Each organisation of the import has this many aliases (the names a watch is tested on).
ALIASES_EACH = 1


def _import(registry: Registry, names: int) -> None:
    from registry.models import Alias

    rows = [
        {"key": f"bench-{i}", "name": f"Synthetic Trading Company {i:06d}", "kind": "company"}
        for i in range(names)
    ]
    with unit_of_work(registry.sessions) as session:
        ids = session.scalars(
            insert(Entity).returning(Entity.id, sort_by_parameter_order=True), rows
        ).all()
        session.execute(
            insert(Alias),
            [
                {"entity_id": e, "name": f"STC {i:06d}-{a}"}
                for i, e in enumerate(ids)
                for a in range(ALIASES_EACH)
            ],
        )
        log_bulk(
            session,
            ChangeKind.ENTITY_ADDED,
            [
                (e, {"name": r["name"], "entity_kind": "company"})
                for e, r in zip(ids, rows, strict=True)
            ],
        )


def _timed(worker: AlertWorker) -> float:
    started = time.perf_counter()
    result = worker.run_once()
    assert result.planned == 0, result
    return time.perf_counter() - started


def run(registry: Registry, names: int) -> dict[str, float]:
    registry.init(empty=True)
    with unit_of_work(registry.sessions) as session:
        sub, _ = subscriptions.subscribe(
            session,
            platform="slack",
            channel_id="C1",
            topic=Topic.of_name(WATCHED),
            watch_name=WATCHED,
        )
        sub_id, start = sub.id, sub.start_after_change_id
    t0 = time.perf_counter()
    _import(registry, names)
    imported = time.perf_counter() - t0
    # Nothing is delivered: the notifier's URL is never called.
    worker = AlertWorker(registry, {"slack": SlackNotifier("xoxb-bench", "http://127.0.0.1:9/")})
    first = _timed(worker)
    idle = max(_timed(worker) for _ in range(IDLE_PASSES))

    def rewind() -> None:
        with unit_of_work(registry.sessions) as session:
            session.execute(
                update(Subscription)
                .where(Subscription.id == sub_id)
                .values(scanned_to_change_id=start)
            )

    rewind()
    without_watermark = _timed(worker)  # every idle pass read all again before
    with unit_of_work(registry.sessions) as session:
        session.execute(update(Subscription).values(paused_at=utcnow()))
    no_watch = min(_timed(worker) for _ in range(IDLE_PASSES))
    return {
        "import_s": imported,
        "first_pass_s": first,
        "idle_pass_s": idle,
        "idle_without_watermark_s": without_watermark,
        "idle_no_watch_s": no_watch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL (default: SQLite in a temp directory)")
    parser.add_argument("--names", type=int, default=60_000)
    args = parser.parse_args()
    if args.url:
        schema = f"bench_watch_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(args.url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            figures = run(Registry(engine, make_session_factory(engine)), args.names)
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        where = "PostgreSQL"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            registry = Registry.connect(f"sqlite:///{tmp}/bench.sqlite3")
            figures = run(registry, args.names)
            registry.engine.dispose()
        where = "SQLite"
    print(f"{where}, one name watch, {args.names:,} organisations imported")
    print(f"  import (bulk, one transaction)        {figures['import_s']:8.2f} s")
    print(f"  first pass after the import           {figures['first_pass_s']:8.2f} s")
    print(f"  idle pass (worst of {IDLE_PASSES})                 {figures['idle_pass_s']:8.3f} s")
    print(f"  idle pass, watermark rewound         {figures['idle_without_watermark_s']:8.2f} s")
    print(f"  idle pass, no active watch            {figures['idle_no_watch_s']:8.3f} s")
    ratio = figures["idle_without_watermark_s"] / max(figures["idle_pass_s"], 1e-6)
    print(f"  rewound / idle                       {ratio:8.0f}x")


if __name__ == "__main__":
    main()
