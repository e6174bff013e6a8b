"""Alerts end to end: subscriptions made through signed /mcf requests, a newer 1260H
edition imported, the worker delivering to a local fake Slack — with failures injected,
a worker killed mid-run, and two workers side by side on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import re
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from bot.render.slack import escape
from bot.settings import Settings, SlackSettings
from handlers.context import Services
from registry.db import make_engine, make_session_factory, unit_of_work
from registry.importers import run_import
from registry.service import Registry
from tests.bot.app_server import serve
from tests.conftest import DATA
from tests.editions import edition_1260h_file, rows_1260h
from tests.extras import require
from tests.fake_slack import FakeSlack, post, signed, slash_body

SECRET = "alerts-secret"
FULL = DATA / "lists" / "us_dod_1260h.csv"
CUTOFF = "2025-01-07"


# -- the editions, computed independently of the importer ------------------------------


def _rows() -> list[dict[str, str]]:
    return rows_1260h()


def _edition_file(tmp_path: Path, cutoff: str) -> Path:
    return edition_1260h_file(tmp_path, cutoff)


def _expected() -> tuple[set[str], set[str]]:
    """Organisations first listed on 2026-06-08, and those delisted on 2026-02-17."""
    first: dict[str, str] = {}
    for row in _rows():
        name = row["Clean Name"]
        first[name] = min(first.get(name, row["Start date"]), row["Start date"])
    new = {n for n, d in first.items() if d == "2026-06-08"}
    gone = {r["Clean Name"] for r in _rows() if r["End date"] == "2026-02-17"}
    return new, gone


# -- what the channels saw ------------------------------------------------------------

_ENTRY = re.compile(r"^• \*(.+?)\*: (.*)$")


def _seen(fake: FakeSlack, channel: str) -> list[tuple[str, str, str]]:
    """(section heading, entity name, detail) for every entry posted to ``channel``."""
    out = []
    for message in fake.channels.get(channel, []):
        for block in message["blocks"]:
            if block["type"] != "section":
                continue
            heading = ""
            for line in block["text"]["text"].splitlines():
                m = _ENTRY.match(line)
                if m:
                    out.append((heading, m.group(1), m.group(2)))
                elif line.startswith("*"):
                    heading = line.replace(" (continued)", "").strip("*")
    return out


def _check_channel_a(fake: FakeSlack, channel: str, registry: Registry) -> None:
    seen = _seen(fake, channel)
    added = Counter(n for h, n, _ in seen if "added to the US DoD" in h)
    removed = Counter(n for h, n, _ in seen if "removed from the US DoD" in h)
    # Each event exactly once...
    assert added and set(added.values()) == {1}
    assert removed and set(removed.values()) == {1}
    # ...and every one of them: the registry's entities for the file's new and gone rows.
    first_listed, delisted = _registry_view(registry)
    assert first_listed <= set(added)
    assert delisted == set(removed)
    # The 2026-02-17 removals as the file states them (12 rows); the importer's replay
    # test checks its reading of the file row by row.
    _, gone = _expected()
    assert len(delisted) == len(gone)


def _registry_view(registry: Registry) -> tuple[set[str], set[str]]:
    """Escaped names of entities first listed on 2026-06-08 / delisted on 2026-02-17."""
    from sqlalchemy import select

    from registry.models import Designation, Entity

    with unit_of_work(registry.sessions) as session:
        rows = session.execute(
            select(Entity.id, Entity.name, Designation.start, Designation.end)
            .join(Designation)
            .where(Designation.list_id == "us-1260h")
        ).all()
    first: dict[int, dt.date] = {}
    names: dict[int, str] = {}
    gone = set()
    for entity_id, name, start, end in rows:
        names[entity_id] = escape(name, 300)
        if start is not None:
            first[entity_id] = min(first.get(entity_id, start), start)
        if end == dt.date(2026, 2, 17):
            gone.add(names[entity_id])
    new = {names[e] for e, d in first.items() if d == dt.date(2026, 6, 8)}
    return new, gone


def _check_channel_b(fake: FakeSlack, channel: str) -> None:
    seen = _seen(fake, channel)
    assert seen, "the Baidu watch got nothing"
    assert {name for _, name, _ in seen} == {"Baidu, Inc."}


# -- fixtures -------------------------------------------------------------------------


def _prepare(registry: Registry, tmp_path: Path) -> None:
    with unit_of_work(registry.sessions) as session:
        run_import(session, "curated", [DATA / "curated" / "diplomat-2021.yaml"])
        run_import(session, "us-1260h", [_edition_file(tmp_path, CUTOFF)])


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry.connect(f"sqlite:///{tmp_path / 'alerts.sqlite3'}")
    registry.init(empty=True)
    _prepare(registry, tmp_path)
    yield registry
    registry.engine.dispose()


@pytest.fixture
def pg_registry(postgres_url: str, tmp_path: Path) -> Iterator[Registry]:
    name = f"mcf_alerts_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={name}"})
    registry = Registry(engine, make_session_factory(engine))
    registry.init(empty=True)
    _prepare(registry, tmp_path)
    yield registry
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


async def _serve(registry: Registry, fake: FakeSlack) -> AsyncIterator[str]:
    settings = Settings(
        database_url=str(registry.engine.url),
        slack=SlackSettings("xoxb-test", SECRET, None, fake.api_url),
    )
    async for url in serve(settings, Services(registry)):
        yield url


async def _slash(server: str, fake: FakeSlack, text_: str, channel: str) -> dict[str, Any]:
    body = slash_body(text_, fake.response_url).replace("channel_id=C1", f"channel_id={channel}")
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    assert status == 200
    return dict(answer)


async def _subscribe_a_and_b(registry: Registry, fake: FakeSlack) -> None:
    async for server in _serve(registry, fake):
        answer = await _slash(server, fake, "subscribe", "CA")
        assert "from now on" in str(answer["blocks"])
        answer = await _slash(server, fake, "watch Baidu", "CB")
        assert "Watching Baidu, Inc." in str(answer["blocks"])
        answer = await _slash(server, fake, "subscriptions", "CB")
        assert "changes touching Baidu, Inc." in str(answer["blocks"])


def _import_full(registry: Registry) -> None:
    with unit_of_work(registry.sessions) as session:
        run_import(session, "us-1260h", [FULL])


def _worker(registry: Registry, fake: FakeSlack, **kwargs: Any) -> AlertWorker:
    notifier = SlackNotifier("xoxb-test", fake.api_url, resend_pause_s=0.0)
    return AlertWorker(registry, {"slack": notifier}, pace_s=0.0, **kwargs)


# -- scenarios ------------------------------------------------------------------------


@pytest.mark.parametrize("fail_rate", [0.0, 0.2], ids=["clean", "429s-and-500s"])
async def test_new_edition_reaches_each_channel_exactly_once(
    sqlite_registry: Registry, tmp_path: Path, fail_rate: float
) -> None:
    fake = await FakeSlack(fail_rate=fail_rate).start()
    try:
        await _subscribe_a_and_b(sqlite_registry, fake)
        await asyncio.to_thread(_import_full, sqlite_registry)
        for _ in range(5):  # deferred messages wait for the next pass, as in production
            await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        _check_channel_a(fake, "CA", sqlite_registry)
        _check_channel_b(fake, "CB")
        if fail_rate:
            assert fake.injected > 0
        before = {c: len(m) for c, m in fake.channels.items()}
        result = await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        assert result.planned == 0 and result.sent == 0
        assert {c: len(m) for c, m in fake.channels.items()} == before
    finally:
        await fake.stop()


def _each_message_once(registry: Registry, fake: FakeSlack) -> int:
    """Every planned message is marked sent and is in its channel exactly once."""
    from sqlalchemy import select

    from registry.models import OutboxMessage

    with unit_of_work(registry.sessions) as session:
        planned = session.execute(
            select(OutboxMessage.channel_id, OutboxMessage.nonce, OutboxMessage.state)
        ).all()
    assert planned and {state for _, _, state in planned} == {"sent"}
    for channel in {c for c, _, _ in planned}:
        posted = Counter(m["metadata"]["event_payload"]["nonce"] for m in fake.channels[channel])
        assert posted == Counter(n for c, n, _ in planned if c == channel)
    return len(planned)


async def test_slack_storing_a_message_then_answering_500_gets_it_once(
    sqlite_registry: Registry,
) -> None:
    fake = await FakeSlack(store_then_fail_every=3).start()
    more = [f"CA{i}" for i in range(8)]
    try:
        await _subscribe_a_and_b(sqlite_registry, fake)
        async for server in _serve(sqlite_registry, fake):
            for channel in more:
                await _slash(server, fake, "subscribe us-1260h", channel)
        await asyncio.to_thread(_import_full, sqlite_registry)
        for _ in range(3):
            await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        assert _each_message_once(sqlite_registry, fake) >= 10
        assert fake.injected >= 3  # a third of the posts were stored and answered 500
        for channel in ["CA", *more]:
            _check_channel_a(fake, channel, sqlite_registry)
        _check_channel_b(fake, "CB")
    finally:
        await fake.stop()


class Killed(BaseException):
    """Stands for SIGKILL between Slack accepting a message and the worker recording it."""


class DiesAfterSending(SlackNotifier):
    def __init__(self, *args: Any, after: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left = after

    def send(self, channel_id: str, payload: dict[str, Any], nonce: str, **kw: Any) -> str:
        remote = super().send(channel_id, payload, nonce, **kw)
        self.left -= 1
        if self.left == 0:
            raise Killed
        return remote


async def test_a_worker_killed_mid_run_loses_and_repeats_nothing(
    sqlite_registry: Registry,
) -> None:
    fake = await FakeSlack().start()
    try:
        await _subscribe_a_and_b(sqlite_registry, fake)
        await asyncio.to_thread(_import_full, sqlite_registry)
        doomed = AlertWorker(
            sqlite_registry,
            {"slack": DiesAfterSending("xoxb-test", fake.api_url, after=2)},
            pace_s=0.0,
            lease=dt.timedelta(milliseconds=200),
        )
        with pytest.raises(Killed):
            await asyncio.to_thread(doomed.run_once)
        await asyncio.sleep(0.3)  # the dead worker's lease runs out
        result = await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        assert result.recovered == 1  # found in the channel by its nonce, not re-sent
        _check_channel_a(fake, "CA", sqlite_registry)
        _check_channel_b(fake, "CB")
    finally:
        await fake.stop()


async def test_a_channel_the_bot_cannot_post_to_is_paused_not_retried(
    sqlite_registry: Registry,
) -> None:
    fake = await FakeSlack(broken={"CA": "channel_not_found"}).start()
    try:
        await _subscribe_a_and_b(sqlite_registry, fake)
        await asyncio.to_thread(_import_full, sqlite_registry)
        result = await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        assert result.paused == 1
        _check_channel_b(fake, "CB")
        posts = sum(
            1 for method, p in fake.calls if method == "chat.postMessage" and p["channel"] == "CA"
        )
        assert posts == 1
        again = await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        assert again.sent == 0 and again.paused == 0
        async for server in _serve(sqlite_registry, fake):
            answer = await _slash(server, fake, "subscriptions", "CA")
            assert "paused: channel_not_found" in str(answer["blocks"])
    finally:
        await fake.stop()


async def test_two_workers_side_by_side_on_postgres(pg_registry: Registry) -> None:
    fake = await FakeSlack(fail_rate=0.1).start()
    try:
        await _subscribe_a_and_b(pg_registry, fake)
        await asyncio.to_thread(_import_full, pg_registry)
        start = threading.Barrier(2)

        def run(worker: AlertWorker) -> None:
            start.wait()
            for _ in range(4):
                worker.run_once()

        workers = [_worker(pg_registry, fake, owner=f"w{i}") for i in range(2)]
        await asyncio.gather(*(asyncio.to_thread(run, w) for w in workers))
        _check_channel_a(fake, "CA", pg_registry)
        _check_channel_b(fake, "CB")
    finally:
        await fake.stop()


async def test_a_name_watched_before_it_is_listed_alerts_when_it_appears(
    sqlite_registry: Registry, tmp_path: Path
) -> None:
    fake = await FakeSlack().start()
    try:
        async for server in _serve(sqlite_registry, fake):
            answer = await _slash(server, fake, "watch Example Robotics Co., Ltd.", "CW")
            assert "not listed today" in str(answer["blocks"])
        edition = tmp_path / "later.csv"
        header = next(csv.reader(FULL.open(encoding="utf-8")))
        with edition.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for name in ("Example Robotics Co., Ltd.", "Unrelated Example Shipping Co., Ltd."):
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
        with unit_of_work(sqlite_registry.sessions) as session:
            run_import(session, "us-1260h", [edition])
        await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        seen = _seen(fake, "CW")
        assert {name for _, name, _ in seen} == {"Example Robotics Co., Ltd."}
        # Re-screened when it appears: the verdict the channel had, and the new one.
        assert [(h, d.split(" · ")[0]) for h, _, d in seen] == [
            (
                "1 watched organisation's verdict changed",
                "verdict was not in the registry, now listed: DoD 1260H from 2027-01-01 "
                "(not yet in force)",
            )
        ]
    finally:
        await fake.stop()


async def test_two_watched_partners_listed_at_once_make_one_message(
    sqlite_registry: Registry, tmp_path: Path
) -> None:
    fake = await FakeSlack().start()
    new = ("Example Robotics Co., Ltd.", "Example Drones Co., Ltd.")
    try:
        async for server in _serve(sqlite_registry, fake):
            for name in (*new, "Baidu"):
                await _slash(server, fake, f"watch {name}", "CP")
        edition = _edition_file(tmp_path, CUTOFF)
        with edition.open("a", newline="", encoding="utf-8") as f:
            for name in new:
                row = [name, name, "", "", "", "", "2026-01-05", "", "https://example.org/e.pdf"]
                csv.writer(f, lineterminator="\r\n").writerow(row)
        with unit_of_work(sqlite_registry.sessions) as session:
            run_import(session, "us-1260h", [edition])
        for _ in range(2):  # a second worker, later: nothing more
            await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)
        assert len(fake.channels["CP"]) == 1  # one digest for the channel's watches
        seen = _seen(fake, "CP")
        assert sorted(n for _, n, _ in seen) == sorted(escape(n, 300) for n in new)
        for heading, _, detail in seen:
            assert heading == "2 watched organisations' verdicts changed"
            assert detail.startswith("verdict was not in the registry, now listed: DoD 1260H")
    finally:
        await fake.stop()


def _many_companies(path: Path, n: int) -> Path:
    """A FollowTheMoney file of ``n`` invented companies, and Baidu (which joins the
    curated entry, so the Baidu watch has news too)."""
    import json

    from tests.bot.busy_import import write_companies

    require("followthemoney", "ftm")

    write_companies(path, n)
    baidu = {
        "id": "gen-baidu",
        "schema": "Company",
        "caption": "Baidu, Inc.",
        "properties": {"name": ["Baidu, Inc."], "alias": ["Baidu Netcom"]},
        "datasets": ["generated_ds"],
    }
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(baidu) + "\n")
    return path


LARGE_IMPORT = 70_000  # above PostgreSQL's 65,535 bind parameters in one statement


async def test_postgres_digest_after_a_import_larger_than_the_bind_limit(
    pg_registry: Registry, tmp_path: Path
) -> None:
    fake = await FakeSlack().start()
    try:
        await _subscribe_a_and_b(pg_registry, fake)
        path = _many_companies(tmp_path / "many.ftm.json", LARGE_IMPORT)
        with unit_of_work(pg_registry.sessions) as session:
            run_import(session, "ftm", [path])
        result = await asyncio.to_thread(_worker(pg_registry, fake).run_once)
        assert result.planned > 0 and result.deferred == 0
        # Channel A subscribed to everything: every generated company, once.
        added = Counter(n for h, n, _ in _seen(fake, "CA") if "added to the registry" in h)
        assert len(added) == LARGE_IMPORT and set(added.values()) == {1}
        # The unrelated watch is delivered in the same pass.
        _check_channel_b(fake, "CB")
    finally:
        await fake.stop()


class FailsOnDigests(SlackNotifier):
    """Planning breaks for every subscription that is not a watch (a bug, say)."""

    def render(self, digest: Any) -> Any:
        if not digest.watch:
            raise RuntimeError("renderer broke")
        return super().render(digest)


async def test_one_subscription_failing_to_plan_holds_up_no_other(
    sqlite_registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    fake = await FakeSlack().start()
    try:
        await _subscribe_a_and_b(sqlite_registry, fake)
        await asyncio.to_thread(_import_full, sqlite_registry)
        broken = FailsOnDigests("xoxb-test", fake.api_url, resend_pause_s=0.0)
        worker = AlertWorker(sqlite_registry, {"slack": broken}, pace_s=0.0)
        result = await asyncio.to_thread(worker.run_once)
        assert result.sent >= 1
        _check_channel_b(fake, "CB")  # the watch was planned and delivered
        assert "CA" not in fake.channels
        assert "planning subscription" in caplog.text  # logged, with its traceback
        await asyncio.to_thread(_worker(sqlite_registry, fake).run_once)  # fixed: next pass
        _check_channel_a(fake, "CA", sqlite_registry)
        _check_channel_b(fake, "CB")
    finally:
        await fake.stop()
