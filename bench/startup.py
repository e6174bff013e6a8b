"""How long ``mcf-bot ask Baidu`` takes, start to finish, against the bare import of
SQLAlchemy's ORM on the same machine (a script, not a test).

    python bench/startup.py                  # 15 runs of each, interleaved
    python bench/startup.py --runs 30 --query Hikvision

Builds the bundled registry in a temporary SQLite file first (the first-run cost is not
what is measured), runs one warm-up of each command, then alternates the two commands
``--runs`` times, each in a fresh interpreter with bytecode caching on (as a user's
install has it, whatever ``PYTHONDONTWRITEBYTECODE`` says here), timing the whole process with
``time.perf_counter``. Alternating keeps the two under the same load on a shared
machine. Prints the median and the 90th percentile of each and the ratio of medians.
Repeat one figure by hand with e.g.
``hyperfine 'mcf-bot ask Baidu' 'python -c "import sqlalchemy.orm"'``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--query", default="Baidu")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"MCF_DATABASE_URL": f"sqlite:///{Path(tmp) / 'registry.sqlite3'}"}
        # As installed: Python caches compiled modules (pip writes them for the
        # dependencies; the warm-up run writes this project's).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ask = [sys.executable, "-m", "bot.cli", "ask", args.query]
        bare = [sys.executable, "-c", "import sqlalchemy.orm"]
        subprocess.run(ask, env=env, check=True, stdout=subprocess.DEVNULL)  # builds it
        _time(ask, env), _time(bare, env)
        times: dict[str, list[float]] = {"ask": [], "bare": []}
        for _ in range(args.runs):
            times["ask"].append(_time(ask, env))
            times["bare"].append(_time(bare, env))
    ask_p50 = statistics.median(times["ask"])
    bare_p50 = statistics.median(times["bare"])
    print(f"runs: {args.runs} each, interleaved")
    print(
        f"mcf-bot ask {args.query}: median {ask_p50 * 1000:.0f} ms, "
        f"p90 {_p90(times['ask']) * 1000:.0f} ms"
    )
    print(
        f'python -c "import sqlalchemy.orm": median {bare_p50 * 1000:.0f} ms, '
        f"p90 {_p90(times['bare']) * 1000:.0f} ms"
    )
    print(f"ratio of medians: {ask_p50 / bare_p50:.2f}x")


if __name__ == "__main__":
    main()
