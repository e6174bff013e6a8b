"""Time ``mcf-bot import ftm`` on N synthetic Company lines (a script, not a test).

    python bench/import_ftm.py 100000            # N lines, fresh bundled registry
    python bench/import_ftm.py 1000000 --keep    # keep the temporary directory

The target is a million lines in at most five minutes. Each line is a Company as
OpenSanctions exports it: id, caption, two names, an alias, a country and a dataset.
The registry is created first (``mcf-bot db init``) and not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def company(i: int) -> dict[str, object]:
    name = f"Synthetic Trading Company {i:07d} Limited"
    return {
        "id": f"bench-{i:07d}",
        "schema": "Company",
        "caption": name,
        "properties": {
            "name": [name, f"ООО Синтетик {i:07d}"],
            "alias": [f"Synthetic Trading {i:07d}"],
            "country": ["ru" if i % 2 else "cn"],
            "registrationNumber": [f"{i:013d}"],
        },
        "datasets": ["bench_synthetic"],
        "referents": [],
        "target": False,
    }


def write_lines(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps(company(i), ensure_ascii=False) + "\n")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000, help="number of lines")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mcf-bench-"))
    env = dict(os.environ, MCF_DATABASE_URL=f"sqlite:///{workdir / 'registry.sqlite3'}")
    data = workdir / "entities.ftm.json"
    try:
        t0 = time.perf_counter()
        write_lines(data, args.n)
        print(
            f"wrote {args.n} lines ({data.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
        subprocess.run(["mcf-bot", "db", "init"], env=env, check=True)
        t0, cpu0 = time.perf_counter(), _child_cpu()
        subprocess.run(["mcf-bot", "import", "ftm", str(data)], env=env, check=True)
        elapsed, cpu = time.perf_counter() - t0, _child_cpu() - cpu0
        # CPU time too: on a shared machine the wall clock also measures the neighbours.
        print(
            f"imported {args.n} lines in {elapsed:.1f}s wall, {cpu:.1f}s CPU "
            f"({args.n / elapsed:,.0f} lines/s; 1M lines: ~{elapsed * 1e6 / args.n:.0f}s wall, "
            f"~{cpu * 1e6 / args.n:.0f}s CPU)"
        )
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
