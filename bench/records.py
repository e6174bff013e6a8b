"""What keeping a screening record costs a lookup (issue 22): the same queries answered
through ``handlers.dispatch.handle`` without an asker (no record) and with one (one
INSERT in its own transaction), interleaved, on a copy of a registry; and a 1,000-row
partner file's records in one batch.

    python bench/records.py [REGISTRY.sqlite3]

Prints milliseconds per answer both ways and their ratio, measured in the same run.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from handlers.context import Services
from handlers.dispatch import handle
from handlers.screening import screen
from registry.records import Requester
from registry.service import Registry

QUERIES = ("Hikvision", "Baidu", "北京航空航天大学", "Huawei", "BGI", "Tsinghua University")
ROUNDS = 30


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
