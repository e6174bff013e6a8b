"""``mcf-bot sync`` end to end: the real command against a local publisher serving the
1260H editions in turn (with a 304, a 500, a cut body, a wrong-format page and a stall in
between), then the alert worker posting the digest to a fake Slack channel."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.render import slack
from handlers.context import Services
from handlers.dispatch import handle
from registry.catalog import sync_sources
from registry.db import unit_of_work
from registry.models import Change, Designation, ImportRun
from registry.service import Registry
from registry.sync.options import FetchOptions, SyncOptions
from registry.sync.run import resolve_sources, sync
from registry.sync.state import FAILING_AFTER
from tests.conftest import ROOT
from tests.editions import FULL_1260H, edition_1260h
from tests.fake_slack import FakeSlack
from tests.publisher import LOCAL_HTTP, Publisher

PATH = "lists/us_dod_1260h.csv"


@pytest.fixture
async def publisher() -> AsyncIterator[Publisher]:
    pub = await Publisher().start()
    yield pub
    await pub.stop()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sync.sqlite3'}"
    Registry.connect(url).init(empty=True)
    return url


def _env(monkeypatch: pytest.MonkeyPatch, db_url: str, publisher: Publisher) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", db_url)
    monkeypatch.setenv("MCF_SYNC_URL_US_1260H", publisher.url(PATH))
    monkeypatch.setenv("MCF_SYNC_HTTP_MIRRORS", "127.0.0.1")
    # Fast failures: two quick retries, half a second of silence is a stall.
    monkeypatch.setenv("MCF_SYNC_RETRIES", "2")
    monkeypatch.setenv("MCF_SYNC_BACKOFF", "0.05")
    monkeypatch.setenv("MCF_SYNC_READ_TIMEOUT", "0.5")


async def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _registry_state(url: str) -> tuple[int, int, int]:
    """(change rows, import runs, 1260H designations): what a failed sync must not move."""
    registry = Registry.connect(url)
    with unit_of_work(registry.sessions) as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Change, ImportRun)
        )
        designations = (
            session.scalar(
                select(func.count())
                .select_from(Designation)
                .where(Designation.list_id == "us-1260h")
            )
            or 0
        )
    registry.engine.dispose()
    return counts[0], counts[1], designations


def _imported_by_hand(tmp_path: Path, body: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    """1260H designations after `mcf-bot import us-1260h` of ``body`` into a fresh registry."""
    url = f"sqlite:///{tmp_path / 'by-hand.sqlite3'}"
    Registry.connect(url).init(empty=True)
    path = tmp_path / "by-hand" / "us_dod_1260h.csv"
    path.parent.mkdir()
    path.write_bytes(body)
    with monkeypatch.context() as env:
        env.setenv("MCF_DATABASE_URL", url)
        assert main(["import", "us-1260h", str(path)]) == 0
    return _registry_state(url)[2]


async def test_sync_loads_asks_conditionally_survives_failures_and_alerts(
    publisher: Publisher,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(monkeypatch, db_url, publisher)
    publisher.publish(PATH, edition_1260h("2025-01-07"))
    sync = ["sync", "--once", "--source", "us-1260h"]

    # 1. The editions up to 2025-01-07 load.
    code, out, err = await _run(sync, capsys)
    assert code == 0, err
    assert "us-1260h: changed: imported:" in out and "edition 2025-01-07" in out
    loaded = _registry_state(db_url)
    assert loaded[2] == _imported_by_hand(tmp_path, edition_1260h("2025-01-07"), monkeypatch)

    # 2. Again: a conditional request, a 304, nothing written.
    code, out, _ = await _run(sync, capsys)
    assert code == 0 and "not modified (304)" in out
    assert publisher.asked(PATH)[-1].get("If-None-Match", "").startswith('"')
    assert "If-Modified-Since" in publisher.asked(PATH)[-1]
    assert _registry_state(db_url) == loaded

    # A channel subscribes to the list (through the operator's command).
    code, out, err = await _run(
        ["subscriptions", "add", "--channel", "C1260", "--list", "us-1260h"], capsys
    )
    assert code == 0, err

    # 3. The next edition is published, but the server fails in each way in turn.
    publisher.publish(PATH, FULL_1260H.read_bytes())
    for mode, reason in [
        ("500", "HTTP 500"),
        ("cut", "cut short"),
        ("html", "expected a CSV file, got what looks like an HTML page"),
        ("slow", "timed out"),
    ]:
        publisher.mode = mode  # type: ignore[assignment]
        code, out, err = await _run(sync, capsys)
        assert code == 1, (mode, out, err)
        assert f"us-1260h: failed: {publisher.url(PATH)}" in err and reason in err, (mode, err)
        assert _registry_state(db_url) == loaded, mode
    assert len([h for h in publisher.asked(PATH)]) >= 2 + 3 + 3 + 1  # 5xx and cuts retried

    code, out, _ = await _run(["sources", "--json"], capsys)
    status = {s["id"]: s for s in json.loads(out)["lists"]}["us-1260h"]["sync"]
    assert status["failures_in_a_row"] == 4 and status["failing"]
    assert "timed out" in status["last_error"] and status["urls"] == [publisher.url(PATH)]
    # /mcf sources says so in chat too, escaped like any registry text.
    reply = handle(Services(Registry.connect(db_url)), "sources")
    blocks = json.dumps(slack.as_dicts(slack.reply_blocks(reply)))
    assert "failing (4 in a row)" in blocks and "timed out" in blocks

    # 4. The whole next edition: imported, and the channel hears of it.
    publisher.mode = "ok"
    code, out, err = await _run(sync, capsys)
    assert code == 0, err
    assert "us-1260h: changed:" in out and "edition 2026-06-08" in out
    after = _registry_state(db_url)
    assert after[0] > loaded[0] and after[2] > loaded[2]

    fake = await FakeSlack().start()
    try:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        code, out, err = await _run(["alerts", "run", "--once"], capsys)
        assert code == 0, err
        posted = json.dumps(fake.channels.get("C1260", []))
        assert "added to the US DoD Section 1260H list" in posted
        assert "Baidu, Inc." in posted
    finally:
        await fake.stop()

    code, out, _ = await _run(["sources"], capsys)
    assert f"Synced from the publisher's file: {publisher.url(PATH)}" in out
    [line] = [line for line in out.splitlines() if line.startswith("  Sync: last synced")]
    assert "edition 2026-06-08" in line and "failing" not in line


async def test_serve_syncs_by_itself(publisher: Publisher, db_url: str, tmp_path: Path) -> None:
    publisher.publish(PATH, edition_1260h("2025-01-07"))
    env = {
        **os.environ,
        "MCF_DATABASE_URL": db_url,
        "MCF_SYNC_URL_US_1260H": publisher.url(PATH),
        "MCF_SYNC_HTTP_MIRRORS": "127.0.0.1",
        "MCF_SYNC_INTERVAL": "5",
        "MCF_PORT": "0",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    # Only the 1260H file is served here; the other sources get a 404, fail fast, are logged.
    for source in sync_sources().values():
        for file in source.files:
            env.setdefault(file.env_name, publisher.url(f"missing/{file.name}"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--no-alerts"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        started = time.monotonic()
        deadline = started + 25
        while time.monotonic() < deadline and not publisher.asked(PATH):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            await asyncio.sleep(0.2)
        assert publisher.asked(PATH), "serve did not request the source within 25 s"
        first = time.monotonic() - started
        # ...and it imported what it fetched.
        while time.monotonic() < deadline and _registry_state(db_url)[2] == 0:
            await asyncio.sleep(0.2)
        assert _registry_state(db_url)[2] > 0
        print(f"serve requested the source {first:.1f} s after starting")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def test_a_source_failing_in_a_row_shows_on_the_app_home_not_in_channels(
    server: str,
    fake_slack: FakeSlack,
    services: Services,
    publisher: Publisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.bot.test_slack_quick import EVENTS, home_event, home_text, json_signed, settled
    from tests.fake_slack import post

    publisher.publish(PATH, edition_1260h("2025-01-07"))
    publisher.mode = "500"
    options = SyncOptions(
        fetch=FetchOptions(retries=0, http_hosts=LOCAL_HTTP), urls={"us-1260h": publisher.url(PATH)}
    )
    sources = resolve_sources(["us-1260h"])
    for _ in range(FAILING_AFTER):
        body = home_event()
        await post(server + EVENTS, body, json_signed(body))
        await settled(fake_slack, 1, "views")
        text = home_text(fake_slack.views.pop("U1"))
        assert "List updates are failing" not in text  # not yet: below the threshold
        [outcome] = await asyncio.to_thread(sync, services.registry, sources, options)
        assert outcome.status == "failed"
    body = home_event()
    await post(server + EVENTS, body, json_signed(body))
    await settled(fake_slack, 1, "views")
    text = home_text(fake_slack.views["U1"])
    assert "List updates are failing" in text
    assert f"us-1260h: {FAILING_AFTER} failed syncs in a row" in text and "HTTP 500" in text
    assert fake_slack.channels == {}  # operators' news, never posted to a channel
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "sync" in r.name]
    assert (
        len(warnings) == 1 and f"failed {FAILING_AFTER} times in a row" in warnings[0].getMessage()
    )


def test_an_unknown_source_is_refused_with_the_known_ones(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", db_url)
    assert main(["sync", "--once", "--source", "aspi-unitracker"]) == 2
    err = capsys.readouterr().err
    assert "no sync source 'aspi-unitracker' (it has no publisher file to fetch)" in err
    assert "us-1260h" in err and "us-meu" in err
    monkeypatch.setenv("MCF_SYNC_INTERVAL", "0")
    assert main(["sync"]) == 2
    assert "use `mcf-bot sync --once` (cron)" in capsys.readouterr().err
