"""Exactly-once with several workers and a Slack slower than the lease: each worker
renews its lease and confirms it still owns a message, in its own transaction, before
every post; a worker whose lease was taken gives way. 24 messages -> 24 posts, on
SQLite and on PostgreSQL.

The issue's figures are a 10 s post and a 3-minute lease; scaled down here (a 1.5 s
post, a 0.5 s lease: the post still outlasts the lease) so the test takes seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.alerts.notifier import SlackNotifier
from bot.alerts.runtime import worker_for
from bot.alerts.worker import AlertWorker
from bot.settings import Settings
from registry import alert_planning, subscriptions
from registry.alert_planning import PlannedMessage
from registry.db import make_engine, make_session_factory, unit_of_work
from registry.models import OutboxMessage
from registry.service import Registry
from registry.subscriptions import Topic
from tests.fake_slack import FakeSlack

POST_DELAY_S = 1.5
LEASE = dt.timedelta(seconds=0.5)
CHANNELS, PER_CHANNEL = 6, 4
PASSES = 6


@pytest.fixture
def pg_empty(postgres_url: str) -> Iterator[Registry]:
    name = f"mcf_workers_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={name}"})
    registry = Registry(engine, make_session_factory(engine))
    registry.init(empty=True)
    yield registry
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_empty(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry.connect(f"sqlite:///{tmp_path / 'workers.sqlite3'}")
    registry.init(empty=True)
    yield registry
    registry.engine.dispose()


def _outbox(registry: Registry) -> set[str]:
    texts = set()
    with unit_of_work(registry.sessions) as session:
        for c in range(CHANNELS):
            sub, _ = subscriptions.subscribe(
                session, platform="slack", channel_id=f"C{c}", topic=Topic.everything()
            )
            planned = [
                PlannedMessage({"text": f"C{c} message {i}", "blocks": []}, ())
                for i in range(PER_CHANNEL)
            ]
            texts |= {p.payload["text"] for p in planned}
            alert_planning.enqueue(session, sub, planned)
    return texts


async def _two_workers(registry: Registry) -> None:
    fake = await FakeSlack(post_delay_s=POST_DELAY_S).start()
    try:
        expected = _outbox(registry)
        start = threading.Barrier(2)

        def run(worker: AlertWorker) -> None:
            start.wait()
            for _ in range(PASSES):
                worker.run_once()

        workers = [
            AlertWorker(
                registry,
                {"slack": SlackNotifier("xoxb-test", fake.api_url, resend_pause_s=0.0)},
                owner=f"w{i}",
                pace_s=0.0,
                lease=LEASE,
            )
            for i in range(2)
        ]
        await asyncio.gather(*(asyncio.to_thread(run, w) for w in workers))
        posted = Counter(m["text"] for ms in fake.channels.values() for m in ms)
        doubled = {t: n for t, n in posted.items() if n > 1}
        assert doubled == {}, f"{sum(doubled.values())} posts of {len(doubled)} messages"
        assert set(posted) == expected
        assert fake.posts == CHANNELS * PER_CHANNEL
        with unit_of_work(registry.sessions) as session:
            pending = select(func.count()).where(OutboxMessage.state == "pending")
            assert session.scalar(pending) == 0
    finally:
        await fake.stop()


async def test_two_workers_slow_slack_short_lease_sqlite(sqlite_empty: Registry) -> None:
    await _two_workers(sqlite_empty)


async def test_two_workers_slow_slack_short_lease_postgres(pg_empty: Registry) -> None:
    await _two_workers(pg_empty)


def test_the_lease_and_channel_budget_are_settings(sqlite_empty: Registry) -> None:
    env = {
        "MCF_DATABASE_URL": str(sqlite_empty.engine.url),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "MCF_ALERT_LEASE": "0.5",
        "MCF_ALERT_CHANNEL_BUDGET": "7",
    }
    worker = worker_for(Settings.from_env(env), sqlite_empty)
    assert worker.lease == LEASE
    assert worker.channel_budget_s == 7.0


async def test_a_channel_gets_its_time_budget_and_no_more(sqlite_empty: Registry) -> None:
    fake = await FakeSlack(post_delay_s=0.3).start()
    try:
        _outbox(sqlite_empty)
        notifier = SlackNotifier("xoxb-test", fake.api_url)
        worker = AlertWorker(sqlite_empty, {"slack": notifier}, pace_s=0.0, channel_budget_s=0.5)
        result = await asyncio.to_thread(worker.run_once)
        # Each channel: posts until its half second is spent (2 of 4), then the next one.
        assert {c: len(m) for c, m in fake.channels.items()} == {
            f"C{c}": 2 for c in range(CHANNELS)
        }
        assert result.deferred == CHANNELS
    finally:
        await fake.stop()
