"""Load-test ``mcf-bot serve`` against the smallest Bolt app, in the same run (a script).

    python bench/serve.py --requests 500 --concurrency 50
    pg_virtualenv bash -c 'python bench/serve.py --database-url postgresql+psycopg://'

Two servers run as separate processes, each behind Bolt's aiohttp adapter and its
signature check:

- ``mcf-bot serve`` on a registry (by default the bundled one, built into a temporary
  SQLite file; ``--database-url`` builds it in that database instead, which must be
  empty or already hold the bundled registry);
- a bare Bolt ``AsyncApp`` that answers ``/mcf`` with a fixed three-block card: what
  Slack's protocol, Bolt and aiohttp cost on their own.

Both talk to a local stand-in for Slack's Web API (``tests/fake_slack.py``) through their
base URL, so nothing leaves the machine. The client sends N ``/mcf`` requests signed as
Slack signs them (``slack_sdk.signature``), C at a time, each for a real name from the
registry (main names and aliases, shuffled with ``--seed``), and takes the latency from
send to the end of the answer with ``time.perf_counter``. The two servers are measured
in alternating rounds (``--rounds``) so that a change in the machine's load falls on both;
the figures printed are over all rounds. Before them every name the rounds will ask is
asked once (``--warmup`` changes that): the figures are those of a server that has built
its cards; ``--warmup 100`` shows mostly first asks. An answer counts as an error unless it is a 200
whose body holds blocks.

Client, servers and fake Slack share the machine's cores: the ratio of the two servers
measured in the same run is the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_slack import FakeSlack, signed, slash_body  # noqa: E402

SECRET = "bench-signing-secret"
HEALTH_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the bare Bolt app (run in its own process with --bare-bolt PORT) --------------------


def run_bare_bolt(port: int, api_url: str) -> None:
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
    )
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Example Org"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Listed* on 2 lists [1][2]"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "[1] A source, 2024"}]},
    ]

    @bolt.command("/mcf")
    async def mcf(ack: AsyncAck) -> None:
        await ack(response_type="ephemeral", text="Example Org", blocks=blocks)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# -- the load -------------------------------------------------------------------------


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


async def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - started < HEALTH_TIMEOUT_S:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode} before it was healthy")
            try:
                async with http.get(f"{url}/healthz") as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit(f"{url} not healthy in {HEALTH_TIMEOUT_S:.0f} s")


async def _load(
    url: str, names: list[str], concurrency: int, response_url: str, into: Figures
) -> None:
    queue = iter(names)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            for name in queue:
                body = slash_body(name, response_url)
                started = time.perf_counter()
                try:
                    async with http.post(
                        f"{url}/slack/events", data=body, headers=signed(SECRET, body)
                    ) as r:
                        payload = await r.read()
                        ok = r.status == 200 and b'"blocks"' in payload
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    into.latencies.append(time.perf_counter() - started)
                else:
                    into.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        into.wall += time.perf_counter() - started


def _names(database_url: str, seed: int) -> list[str]:
    from sqlalchemy import select

    from registry.models import Alias, Entity
    from registry.service import Registry

    registry = Registry.connect(database_url)
    with registry.sessions() as session:
        names = list(session.execute(select(Entity.name)).scalars())
        names += session.execute(select(Alias.name)).scalars()
    registry.engine.dispose()
    random.Random(seed).shuffle(names)
    return names


def _prepare_registry(database_url: str | None, workdir: Path) -> str:
    from sqlalchemy import inspect

    from registry.service import Registry

    url = database_url or f"sqlite:///{workdir / 'registry.sqlite3'}"
    registry = Registry.connect(url)
    if "entities" not in inspect(registry.engine).get_table_names():
        started = time.monotonic()
        registry.init()
        print(f"built the bundled registry in {time.monotonic() - started:.0f} s", file=sys.stderr)
    registry.engine.dispose()
    return url


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


def _report(label: str, f: Figures) -> None:
    ms = 1000
    print(
        f"{label:<16} {len(f.latencies):>6} {f.errors:>6} "
        f"{f.percentile(50) * ms:>8.1f} {f.percentile(95) * ms:>8.1f} "
        f"{f.percentile(99) * ms:>8.1f} {f.rate:>10.0f}"
    )


async def main_async(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="mcf-bench-serve-"))
    url = _prepare_registry(args.database_url, workdir)
    names = _names(url, args.seed)
    fake = await FakeSlack().start()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SLACK_APP_TOKEN", None)
    bot_port, bare_port = _free_port(), _free_port()
    bot_env = dict(
        env,
        MCF_DATABASE_URL=url,
        MCF_PORT=str(bot_port),
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
    )
    serve = [sys.executable, "-m", "bot.cli", "serve"]
    if args.profile:
        # py-spy (pip install py-spy) samples the server; it writes collapsed stacks on SIGINT.
        serve = ["py-spy", "record", "-r", "200", "-f", "raw", "-o", args.profile, "--", *serve]
    bot = _start(serve, bot_env, workdir / "serve.log")
    bare = _start(
        [sys.executable, __file__, "--bare-bolt", str(bare_port), "--api-url", fake.api_url],
        env,
        workdir / "bare.log",
    )
    targets = {
        "bare Bolt": f"http://127.0.0.1:{bare_port}",
        "mcf-bot serve": f"http://127.0.0.1:{bot_port}",
    }
    try:
        healthy = await _wait_healthy(targets["mcf-bot serve"], bot)
        await _wait_healthy(targets["bare Bolt"], bare)
        print(f"mcf-bot serve healthy {healthy:.1f} s after start", file=sys.stderr)
        figures = {label: Figures() for label in targets}
        per_round = max(1, args.requests // args.rounds)
        at = 0
        # By default every name the rounds ask is asked once first: the figures are then
        # those of a server whose cards are built (--warmup 100 shows first asks).
        asked = min(len(names), args.requests)
        warm = names[: asked if args.warmup < 0 else args.warmup]
        for target in targets.values():  # warm-up, not counted
            await _load(target, warm, args.concurrency, fake.response_url, Figures())
        for _ in range(args.rounds):
            batch = [names[(at + i) % len(names)] for i in range(per_round)]
            at += per_round
            for label, target in targets.items():
                await _load(target, batch, args.concurrency, fake.response_url, figures[label])
    finally:
        for proc in (bot, bare):
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        await fake.stop()
    load = os.getloadavg()[0]
    print(
        f"{args.rounds * per_round} requests per server, {args.concurrency} at a time, "
        f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, "
        f"{len(names)} names, load average {load:.1f} on {os.cpu_count()} cores"
    )
    heads = ("ok", "errors", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'':<16} {heads[0]:>6} {heads[1]:>6} " + " ".join(f"{h:>8}" for h in heads[2:]), end="")
    print(f" {'answers/s':>10}")
    for label, f in figures.items():
        _report(label, f)
    ours, bare_f = figures["mcf-bot serve"], figures["bare Bolt"]
    print(
        f"ratio serve/bare: p50 {ours.percentile(50) / bare_f.percentile(50):.1f}x, "
        f"p99 {ours.percentile(99) / bare_f.percentile(99):.1f}x, "
        f"answers/s {ours.rate / bare_f.rate:.2f}x"
    )
    return 1 if ours.errors or bare_f.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="per server, over all rounds")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--warmup",
        type=int,
        default=-1,
        help="requests before the timed rounds (default: every name the rounds ask, once)",
    )
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database-url", help="default: the bundled registry in temporary SQLite")
    parser.add_argument("--profile", metavar="PATH", help="py-spy collapsed stacks of serve")
    parser.add_argument("--bare-bolt", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_bolt:
        run_bare_bolt(args.bare_bolt, args.api_url)
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
