"""What keeping a screening record costs a lookup (issue 22): the same queries answered
through ``handlers.dispatch.handle`` without an asker (no record) and with one (one
INSERT in its own transaction), interleaved, on a copy of a registry; and a 1,000-row
partner file's records in one batch; and what a warm lookup's record adds to the
database file and costs in CPU with its card kept once in ``record_cards`` (issue 32)
against the whole answer in every row (as records were kept before migration
``0012_record_cards_s32``), on two copies of the registry, in alternating rounds.

    python bench/records.py [REGISTRY.sqlite3]

Prints milliseconds per answer both ways and their ratio, measured in the same run.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from handlers.context import Services
from handlers.dispatch import handle
from handlers.lookup import lookup
from handlers.records import keep, lookup_screening, ready
from handlers.replies import LookupReply
from handlers.screening import screen
from registry import records
from registry.models import Entity
from registry.records import Requester
from registry.service import Registry

QUERIES = ("Hikvision", "Baidu", "北京航空航天大学", "Huawei", "BGI", "Tsinghua University")
ROUNDS = 30
# Warm records: this many asks of this many cards (each card's text made before), in
# rounds of this many asks a copy.
WARM_ASKS, WARM_CARDS, WARM_ROUND = 1000, 20, 50


def _file_bytes(registry: Registry) -> int:
    """The SQLite file's size with its write-ahead log folded in."""
    with registry.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database = registry.engine.url.database
    assert database is not None
    return os.path.getsize(database)


def warm_record_bytes(path: Path) -> None:
    """Bytes and CPU per warm record, cards kept apart against whole answers in the row."""
    whole_path = path.with_name("whole.sqlite3")
    shutil.copy(path, whole_path)
    apart = Services(Registry.connect(f"sqlite:///{path}"))
    whole = Services(Registry.connect(f"sqlite:///{whole_path}"))
    with apart.registry.sessions() as session:
        names = session.scalars(select(Entity.name).order_by(Entity.id).limit(200)).all()
    bodies: list[LookupReply] = []
    for name in names:
        body = lookup(apart, name)
        if body.card is not None and len(bodies) < WARM_CARDS:
            bodies.append(body)
    who = Requester("cli", "bench")
    for services in (apart, whole):
        for body in bodies:
            assert body.card is not None
            ready(services, body.card)
        keep(services, who, [lookup_screening(services, "lookup", bodies[0])])  # editions

    def as_whole(screening: records.Screening) -> records.Screening:
        answer = screening.answer
        assert isinstance(answer, records.Canonical)
        return dataclasses.replace(screening, answer=records.Canonical(answer.text, answer.sha256))

    start = {"apart": _file_bytes(apart.registry), "whole": _file_bytes(whole.registry)}
    cpu = {"apart": 0.0, "whole": 0.0}
    for first in range(0, WARM_ASKS, WARM_ROUND):
        for kind, services in (("apart", apart), ("whole", whole)):
            t = time.process_time()
            for i in range(first, first + WARM_ROUND):
                screening = lookup_screening(services, "lookup", bodies[i % len(bodies)])
                keep(services, who, [as_whole(screening) if kind == "whole" else screening])
            cpu[kind] += time.process_time() - t
    grown = {
        "apart": _file_bytes(apart.registry) - start["apart"],
        "whole": _file_bytes(whole.registry) - start["whole"],
    }
    for kind, words in (("whole", "whole answer in each row"), ("apart", "cards kept once")):
        print(
            f"{WARM_ASKS:,} warm records of {len(bodies)} cards, {words}: file "
            f"+{grown[kind] / 1e6:.2f} MB ({grown[kind] / WARM_ASKS:,.0f} bytes a record), "
            f"CPU {cpu[kind] / WARM_ASKS * 1000:.3f} ms a record"
        )
    print(
        f"cards kept once: x{grown['whole'] / grown['apart']:.1f} fewer bytes, "
        f"x{cpu['apart'] / cpu['whole']:.2f} the CPU a record"
    )
    for services in (apart, whole):
        services.registry.engine.dispose()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.sqlite3"
        if len(sys.argv) > 1:
            shutil.copy(sys.argv[1], path)
            registry = Registry.connect(f"sqlite:///{path}")
        else:
            registry = Registry.connect(f"sqlite:///{path}")
            registry.init()
        services = Services(registry)
        who = Requester("cli", "bench")
        for q in QUERIES:  # warm the index and the card cache
            handle(services, q)
        plain: list[float] = []
        kept: list[float] = []
        for _ in range(ROUNDS):
            for q in QUERIES:
                t = time.perf_counter()
                handle(services, q)
                plain.append(time.perf_counter() - t)
                t = time.perf_counter()
                handle(services, q, who=who)
                kept.append(time.perf_counter() - t)
        a, b = statistics.median(plain) * 1000, statistics.median(kept) * 1000
        print(f"lookup, no record:   median {a:.2f} ms over {len(plain)}")
        print(f"lookup, one record:  median {b:.2f} ms over {len(kept)}")
        print(f"record cost: +{b - a:.2f} ms a lookup (x{b / a:.2f})")
        names = [QUERIES[i % len(QUERIES)] for i in range(1000)]
        t = time.perf_counter()
        screen(services, names, None)
        bare = time.perf_counter() - t
        t = time.perf_counter()
        screen(services, names, who)
        with_records = time.perf_counter() - t
        print(
            f"1,000-row file: {bare:.2f} s without records, {with_records:.2f} s with "
            f"1,000 records in one transaction (x{with_records / bare:.2f})"
        )
        registry.engine.dispose()
        warm_record_bytes(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
