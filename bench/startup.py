"""How long ``mcf-bot ask Baidu`` takes, start to finish, and its peak RSS, against the bare
import of SQLAlchemy's ORM on the same machine (a script, not a test).

    python bench/startup.py                     # bundled registry, 15 runs of each
    python bench/startup.py --names 1000000     # plus 1M synthetic organisations
    python bench/startup.py --runs 30 --query Hikvision
    python bench/startup.py --names 200000 --baseline ../main   # another checkout too
    python bench/startup.py --registry big.sqlite3   # a copy of an existing registry

Builds the registry in a temporary SQLite file first: the bundled data, plus ``--names``
synthetic organisations (``bench/lookup.py``'s generator, with its Chinese names and
aliases) when given. The first ``ask`` builds and saves the name index; that first-run cost
is printed but not what is compared. Then one warm-up of each command, and the commands
alternate ``--runs`` times, each in a fresh interpreter with bytecode caching on (as a
user's install has it, whatever ``PYTHONDONTWRITEBYTECODE`` says here), timing the whole
process with ``time.perf_counter`` and taking its CPU time (user + system, less
sensitive to other jobs than wall time) and peak RSS from ``os.wait4``. Alternating
keeps them under the same load on a shared machine. ``--baseline DIR`` also times the
``ask`` of the checkout in DIR (its ``bot`` and ``registry`` packages first on
``PYTHONPATH``) on the same registry, for a before/after ratio from one run. Prints the
median and the 90th percentile of each, the peak RSS, the ratios of medians and the load
average. Repeat one figure by hand with e.g.
``hyperfine 'mcf-bot ask Baidu' 'python -c "import sqlalchemy.orm"'``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Rows inserted per statement when adding synthetic organisations.
INSERT_CHUNK = 50_000


def _run(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one process, run
    outside any checkout (so that ``python -m`` finds the packages on ``PYTHONPATH`` or
    installed, not the cwd's)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited with {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


def _registry(path: Path, names: int) -> None:
    """The bundled registry, plus ``names`` synthetic organisations."""
    from sqlalchemy import func, insert, select

    from registry.models import Alias, Entity
    from registry.service import Registry

    registry = Registry.connect(f"sqlite:///{path}")
    registry.init()
    if names:
        sys.path.insert(0, str(Path(__file__).parent))
        from lookup import synthesize  # bench/lookup.py: the synthetic names

        data = synthesize(names, seed=4, n_pos=0, n_neg=0)
        with registry.engine.begin() as conn:
            first = int(conn.execute(select(func.max(Entity.id))).scalar() or 0) + 1
            rows = [
                {"id": first + i, "key": f"synthetic-{i}", "name": name, "native_name": native}
                for i, (name, native) in enumerate(zip(data.names, data.natives, strict=True))
            ]
            for at in range(0, len(rows), INSERT_CHUNK):
                conn.execute(insert(Entity), rows[at : at + INSERT_CHUNK])
            aliases = [{"entity_id": first + i, "name": a, "weak": w} for i, a, w in data.aliases]
            for at in range(0, len(aliases), INSERT_CHUNK):
                conn.execute(insert(Alias), aliases[at : at + INSERT_CHUNK])
    registry.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--query", default="Baidu")
    parser.add_argument("--names", type=int, default=0, help="synthetic organisations added")
    parser.add_argument(
        "--registry", type=Path, help="a copy of this SQLite registry instead of a new one"
    )
    parser.add_argument("--baseline", type=Path, help="another checkout, timed on the same data")
    parser.add_argument("--write-registry", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_registry:
        _registry(args.write_registry, args.names)
        return

    with tempfile.TemporaryDirectory(prefix="mcf-bench-startup-") as tmp:
        db = Path(tmp) / "registry.sqlite3"
        started = time.perf_counter()
        if args.registry:
            shutil.copy(args.registry, db)  # not its saved index: the first ask builds it
        else:
            # In a child process: a child forked from this one starts with this process's
            # memory, and Linux keeps that in the child's peak RSS (ru_maxrss) across
            # exec, so a parent that had built the registry would inflate every figure.
            subprocess.run(
                [sys.executable, __file__, "--write-registry", str(db), "--names",
                 str(args.names)],
                check=True,
            )  # fmt: skip
        print(f"registry written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        env = os.environ | {"MCF_DATABASE_URL": f"sqlite:///{db}"}
        # As installed: Python caches compiled modules (pip writes them for the
        # dependencies; the warm-up run writes this project's).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        commands = {
            "ask": ([sys.executable, "-m", "bot.cli", "ask", args.query], env),
            "bare": ([sys.executable, "-c", "import sqlalchemy.orm"], env),
        }
        if args.baseline:
            base = str(args.baseline.resolve())
            commands["baseline ask"] = (commands["ask"][0], env | {"PYTHONPATH": base})
        # Builds and saves the index; the baseline's code builds it when given, so that
        # what it keeps for later runs (e.g. a cache of readings) is its own.
        first = _run(*commands["baseline ask" if args.baseline else "ask"], tmp)
        for argv, cmd_env in commands.values():
            _run(argv, cmd_env, tmp)  # warm-up (and the baseline's bytecode)
        times: dict[str, list[float]] = {name: [] for name in commands}
        rss: dict[str, float] = dict.fromkeys(commands, 0.0)
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (argv, cmd_env) in commands.items():
                elapsed, peak, used = _run(argv, cmd_env, tmp)
                times[name].append(elapsed)
                cpu[name].append(used)
                rss[name] = max(rss[name], peak)
        size = Path(f"{db}.index").stat().st_size / 1e6
    medians = {name: statistics.median(values) for name, values in times.items()}
    labels = {
        "ask": f"mcf-bot ask {args.query}",
        "bare": 'python -c "import sqlalchemy.orm"',
        "baseline ask": f"baseline ({args.baseline}) ask {args.query}",
    }
    what = args.registry or f"bundled + {args.names:,} synthetic organisations"
    print(f"registry: {what}; saved index {size:.0f} MB")
    print(f"runs: {args.runs} each, interleaved; load average {os.getloadavg()[0]:.1f}")
    builder = "baseline's " if args.baseline else ""
    print(
        f"first {builder}ask (builds and saves the index): {first[0]:.1f} s, "
        f"peak RSS {first[1]:.0f} MB"
    )
    for name, values in times.items():
        print(
            f"{labels[name]}: median {medians[name] * 1000:.0f} ms, "
            f"p90 {_p90(values) * 1000:.0f} ms, CPU median "
            f"{statistics.median(cpu[name]) * 1000:.0f} ms, peak RSS {rss[name]:.0f} MB"
        )
    cpus = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"ratio of medians, ask / import: {medians['ask'] / medians['bare']:.2f}x")
    print(f"ratio of CPU medians, ask / import: {cpus['ask'] / cpus['bare']:.2f}x")
    if args.baseline:
        baseline = medians["baseline ask"]
        print(f"ratio of medians, baseline ask / import: {baseline / medians['bare']:.2f}x")
        ratio = cpus["baseline ask"] / cpus["bare"]
        print(f"ratio of CPU medians, baseline ask / import: {ratio:.2f}x")


if __name__ == "__main__":
    main()
