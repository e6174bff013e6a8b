"""Print the golden set's figures on the bundled registry (a script; the thresholds are
asserted by tests/registry/lookup/test_golden.py):

    python bench/golden.py [-v] [--db registry.sqlite3]

Top-1 on positives (the right organisation first, match or "did you mean"), confident
right answers, and confident (wrong) matches on negatives, per file and in all; ``-v``
lists the misses and the false matches; ``--db`` reads a registry file instead of building
the bundled one.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

from registry import store
from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.service import Registry

HERE = Path(__file__).resolve().parent.parent / "tests" / "registry" / "lookup"
FILES = (HERE / "golden.csv", HERE / "namesakes.csv")
NEGATIVE_KINDS = ("negative", "namesake")


def main() -> int:
    args = sys.argv[1:]
    verbose = "-v" in args
    db = args[args.index("--db") + 1] if "--db" in args else None
    files = {}
    for path in FILES:
        with path.open(encoding="utf-8") as f:
            files[path.name] = list(csv.DictReader(f))
    expected = {r["expected_key"] for rows in files.values() for r in rows if r["expected_key"]}
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.connect(f"sqlite:///{db or f'{tmp}/golden.sqlite3'}")
        if db is None:
            registry.init()
        with unit_of_work(registry.sessions) as session:
            index = NameIndex.build(session)
            # As the golden test does: a key merged away names the entity it went into.
            keys = store.entity_ids(session, expected)
        registry.engine.dispose()
    totals = [0, 0, 0, 0, 0]  # positives, right first, confident right, negatives, false
    for name, rows in files.items():
        counts = [0, 0, 0, 0, 0]
        for row in rows:
            result = index.lookup(row["query"])
            best = result.best
            if row["kind"] in NEGATIVE_KINDS:
                counts[3] += 1
                if result.status is MatchStatus.MATCH:
                    counts[4] += 1
                    if verbose and best is not None:
                        print(f"  false match: {row['query']!r} -> {best.name!r} ({best.how})")
                continue
            counts[0] += 1
            if best is not None and best.entity_id == keys.get(row["expected_key"]):
                counts[1] += 1
                counts[2] += result.status is MatchStatus.MATCH
            elif verbose:
                print(f"  miss: {row['query']!r} -> {best.name if best else None!r}")
        print(_line(name, counts))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    print(_line("all", totals))
    return 0


def _line(name: str, c: list[int]) -> str:
    pos, right, sure, neg, false = c
    return (
        f"{name:>14}: positives {pos}: top-1 {right / max(pos, 1):.1%}, confident and right "
        f"{sure / max(pos, 1):.1%}; negatives {neg}: confident matches {false} "
        f"({false / max(neg, 1):.2%})"
    )


if __name__ == "__main__":
    sys.exit(main())
