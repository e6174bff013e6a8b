"""Load-test ``mcf-bot serve`` against the smallest app of the same SDK, in the same run
(a script).

    python bench/serve.py --requests 500 --concurrency 50
    python bench/serve.py --platform teams --requests 2000
    pg_virtualenv bash -c 'python bench/serve.py --database-url postgresql+psycopg://'

Two servers run as separate processes:

- ``mcf-bot serve`` on a registry (by default the bundled one, built into a temporary
  SQLite file; ``--database-url`` builds it in that database instead, which must be
  empty or already hold the bundled registry), with its scheduled sync off
  (``MCF_SYNC_INTERVAL=0``: there is no publisher to reach here);
- the bare app: for Slack, a Bolt ``AsyncApp`` that answers ``/mcf`` with a fixed
  three-block card behind the same aiohttp adapter and signature check; for Teams, the
  Agents SDK's echo-style minimal agent (an ``AgentApplication`` that answers a message
  with its text) behind the SDK's aiohttp hosting and JWT decorator, anonymous as the
  local Playground is. What the protocol and the SDK cost on their own.

Both talk to local stand-ins for Slack's Web API (``tests/fake_slack.py``) or the Teams
connector (``tests/bot/teams/fake_connector.py``), so nothing leaves the machine. The
client sends N lookups, C at a time, each for a real name from the registry (main names
and aliases, shuffled with ``--seed``): ``/mcf`` requests signed as Slack signs them
(``slack_sdk.signature``), or message activities as Teams posts them to
``/api/messages``. The latency runs from send to the end of the answer
(``time.perf_counter``); for Teams the answer ends when the turn has posted its reply to
the connector (the hosting answers only then). The two servers are measured in
alternating rounds (``--rounds``) so that a change in the machine's load falls on both;
the figures printed are over all rounds. Before them, ``serve`` is given the time to
build its cards (``/healthz`` says ``cards_ready``) and every name the rounds will ask
is asked once (``--warmup`` changes that): the figures are those of a server that has
built its cards; ``--warmup 0 --no-wait`` shows first asks. An answer counts as an error
unless it is a 200 whose body holds blocks (Slack), or a 2xx after which the connector
holds the reply (Teams).

Client, servers and fake Slack share the machine's cores: the ratio of the two servers
measured in the same run is the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bot.teams.fake_connector import FakeConnector, activity  # noqa: E402
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


# -- the bare Agents SDK agent (run in its own process with --bare-agent PORT) -----------


def run_bare_agent(port: int) -> None:
    from aiohttp import web
    from microsoft_agents.activity import load_configuration_from_env
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.aiohttp import (
        CloudAdapter,
        jwt_authorization_decorator,
        start_agent_process,
    )
    from microsoft_agents.hosting.core import (
        AgentApplication,
        ApplicationOptions,
        MemoryStorage,
        TurnContext,
        TurnState,
    )

    config = load_configuration_from_env(TEAMS_ENV)
    connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
        connection_manager=connections,
    )

    @agent.activity("message")
    async def echo(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(f"you said: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        return await start_agent_process(request, agent, adapter) or web.Response(status=202)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app["agent_configuration"] = connections.get_default_connection_configuration()
    app.router.add_post("/api/messages", jwt_authorization_decorator(messages))
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# -- the load -------------------------------------------------------------------------

# Anonymous, as the local Playground is: no Entra token to fetch or check on either side.
TEAMS_ENV = {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"}


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # the server process's CPU seconds (user + system) while timed

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


async def _wait_healthy(url: str, proc: subprocess.Popen[bytes], *, cards: bool = False) -> float:
    """Seconds until ``/healthz`` answers 200 (``cards``: and says ``cards_ready``)."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - started < HEALTH_TIMEOUT_S:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode} before it was healthy")
            try:
                async with http.get(f"{url}/healthz") as r:
                    if r.status == 200 and (not cards or (await r.json()).get("cards_ready")):
                        return time.monotonic() - started
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit(f"{url} not healthy in {HEALTH_TIMEOUT_S:.0f} s")


Send = Callable[[aiohttp.ClientSession, str, str], Awaitable[bool]]


def slack_sender(response_url: str) -> Send:
    async def send(http: aiohttp.ClientSession, url: str, name: str) -> bool:
        body = slash_body(name, response_url)
        async with http.post(f"{url}/slack/events", data=body, headers=signed(SECRET, body)) as r:
            payload = await r.read()
            return r.status == 200 and b'"blocks"' in payload

    return send


def teams_sender(connector: FakeConnector) -> Send:
    sent = itertools.count()

    async def send(http: aiohttp.ClientSession, url: str, name: str) -> bool:
        # A conversation per request: its reply is then found by its id alone.
        conversation = f"a:bench-{next(sent)}"
        message = activity(name, connector.url, conversation)
        async with http.post(f"{url}/api/messages", json=message) as r:
            await r.read()
            return 200 <= r.status < 300 and bool(connector.conversations.pop(conversation, None))

    return send


async def _load(url: str, names: list[str], concurrency: int, send: Send, into: Figures) -> None:
    queue = iter(names)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            for name in queue:
                started = time.perf_counter()
                try:
                    ok = await send(http, url, name)
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


def _report(label: str, f: Figures) -> None:
    ms = 1000
    print(
        f"{label:<16} {len(f.latencies):>6} {f.errors:>6} "
        f"{f.percentile(50) * ms:>8.1f} {f.percentile(95) * ms:>8.1f} "
        f"{f.percentile(99) * ms:>8.1f} {f.rate:>10.0f} "
        f"{f.cpu * ms / max(1, len(f.latencies)):>8.2f}"
    )


def _spy(args: argparse.Namespace, pid: int) -> subprocess.Popen[bytes]:
    """py-spy (pip install py-spy) sampling ``serve`` over the measured rounds only (not
    its start or the warm-up); it writes collapsed stacks when interrupted."""
    gil = ["--gil"] if args.profile_gil else []
    # The venv's own py-spy when the venv is not on PATH (run as .venv/bin/python).
    beside = Path(sys.executable).with_name("py-spy")
    spy = str(beside) if beside.exists() else "py-spy"
    command = [spy, "record", "-r", "100", "-f", "raw", *gil, "-o", args.profile]
    return subprocess.Popen([*command, "--pid", str(pid)], stdout=subprocess.DEVNULL)


async def main_async(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="mcf-bench-serve-"))
    try:
        code = await _bench(args, workdir)
    except BaseException:
        print(f"servers' logs kept in {workdir}", file=sys.stderr)
        raise
    shutil.rmtree(workdir, ignore_errors=True)  # the registry, its index and the logs
    return code


async def _bench(args: argparse.Namespace, workdir: Path) -> int:
    url = _prepare_registry(args.database_url, workdir)
    names = _names(url, args.seed)
    teams = args.platform == "teams"
    slack = await FakeSlack().start()
    connector = await FakeConnector().start()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SLACK_APP_TOKEN", None)
    bot_port, bare_port = _free_port(), _free_port()
    bot_env = dict(env, MCF_DATABASE_URL=url, MCF_PORT=str(bot_port), MCF_SYNC_INTERVAL="0")
    if teams:
        bot_env |= TEAMS_ENV
        bare_cmd = ["--bare-agent", str(bare_port)]
        send = teams_sender(connector)
        bare_label = "bare Agents SDK"
    else:
        bot_env |= dict(
            SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url
        )
        bare_cmd = ["--bare-bolt", str(bare_port), "--api-url", slack.api_url]
        send = slack_sender(slack.response_url)
        bare_label = "bare Bolt"
    serve = [sys.executable, "-m", "bot.cli", "serve"]
    bot = _start(serve, bot_env, workdir / "serve.log")
    bare = _start([sys.executable, __file__, *bare_cmd], env, workdir / "bare.log")
    targets = {
        bare_label: f"http://127.0.0.1:{bare_port}",
        "mcf-bot serve": f"http://127.0.0.1:{bot_port}",
    }
    try:
        healthy = await _wait_healthy(targets["mcf-bot serve"], bot)
        print(f"mcf-bot serve healthy {healthy:.1f} s after start", file=sys.stderr)
        if not args.no_wait:
            ready = await _wait_healthy(targets["mcf-bot serve"], bot, cards=True)
            print(f"its cards built {ready:.1f} s after start", file=sys.stderr)
        await _wait_healthy(targets[bare_label], bare)
        figures = {label: Figures() for label in targets}
        per_round = max(1, args.requests // args.rounds)
        at = 0
        # By default every name the rounds ask is asked once first: the figures are then
        # those of a server whose cards are built (--warmup 0 shows first asks).
        asked = min(len(names), args.requests)
        warm = names[: asked if args.warmup < 0 else args.warmup]
        for target in targets.values():  # warm-up, not counted
            await _load(target, warm, args.concurrency, send, Figures())
        spy = _spy(args, bot.pid) if args.profile else None
        for _ in range(args.rounds):
            batch = [names[(at + i) % len(names)] for i in range(per_round)]
            at += per_round
            for label, target in targets.items():
                proc = bot if label == "mcf-bot serve" else bare
                before = _cpu_seconds(proc.pid)
                await _load(target, batch, args.concurrency, send, figures[label])
                figures[label].cpu += _cpu_seconds(proc.pid) - before
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
    finally:
        for proc in (bot, bare):
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        await slack.stop()
        await connector.stop()
    load = os.getloadavg()[0]
    print(
        f"{args.platform}: {args.rounds * per_round} requests per server, "
        f"{args.concurrency} at a time, "
        f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, "
        f"{len(names)} names, load average {load:.1f} on {os.cpu_count()} cores"
    )
    heads = ("ok", "errors", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'':<16} {heads[0]:>6} {heads[1]:>6} " + " ".join(f"{h:>8}" for h in heads[2:]), end="")
    print(f" {'answers/s':>10} {'CPU ms/answer':>8}")
    for label, f in figures.items():
        _report(label, f)
    ours, bare_f = figures["mcf-bot serve"], figures[bare_label]
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
    parser.add_argument("--platform", choices=("slack", "teams"), default="slack")
    parser.add_argument(
        "--no-wait", action="store_true", help="time serve before it has built its cards"
    )
    parser.add_argument("--database-url", help="default: the bundled registry in temporary SQLite")
    parser.add_argument("--profile", metavar="PATH", help="py-spy collapsed stacks of serve")
    parser.add_argument(
        "--profile-gil",
        action="store_true",
        help="with --profile: sample only the thread holding the GIL (where the CPU goes, "
        "not where threads wait)",
    )
    parser.add_argument("--bare-bolt", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--bare-agent", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_bolt:
        run_bare_bolt(args.bare_bolt, args.api_url)
        return 0
    if args.bare_agent:
        run_bare_agent(args.bare_agent)
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
