"""No channel stalls behind one message: digests are packed under Slack's real limits,
a message Slack refuses as such is recorded and skipped, and a channel whose history the
bot cannot read still gets its alerts (sent once, recorded)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from handlers.digests import Digest, DigestEntry, DigestSection
from registry import alert_planning, subscriptions
from registry.alert_planning import PlannedMessage
from registry.db import unit_of_work
from registry.models import OutboxMessage
from registry.service import Registry
from registry.subscriptions import Topic
from tests.fake_slack import FakeSlack

ENTRIES = 1500
REFUSE_OVER = 12_000  # the stand-in refuses blocks longer than this (Slack: about 13,200)
NEXT = "the next alert"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    found = Registry.connect(f"sqlite:///{tmp_path / 'stalls.sqlite3'}")
    found.init(empty=True)
    yield found
    found.engine.dispose()


def _big_digest() -> Digest:
    entries = tuple(
        DigestEntry(
            None,
            f"Organisation number {i} Research Institute Co., Ltd.",
            "added on 2026-06-08",
            f"https://example.org/list/{i}",
            (),
        )
        for i in range(ENTRIES)
    )
    section = DigestSection(f"{ENTRIES} organisations added to the Entity List", entries)
    return Digest("Registry update from entity-list.csv", (section,))


def _queue(registry: Registry, messages: list[PlannedMessage]) -> None:
    with unit_of_work(registry.sessions) as session:
        sub, _ = subscriptions.subscribe(
            session, platform="slack", channel_id="C1", topic=Topic.everything()
        )
        alert_planning.enqueue(session, sub, messages)


def _next_alert() -> PlannedMessage:
    return PlannedMessage({"text": NEXT, "blocks": []}, ())


def _texts(fake: FakeSlack) -> list[str]:
    return [str(m["text"]) for m in fake.channels.get("C1", [])]


async def test_a_1500_entry_digest_arrives_in_parts_and_the_next_alert_too(
    registry: Registry,
) -> None:
    fake = await FakeSlack(max_blocks_chars=REFUSE_OVER).start()
    try:
        notifier = SlackNotifier("xoxb-test", fake.api_url, resend_pause_s=0.0)
        parts = notifier.render(_big_digest())
        assert len(parts) > 1
        _queue(registry, [*parts, _next_alert()])
        worker = AlertWorker(registry, {"slack": notifier}, pace_s=0.0)
        result = await asyncio.to_thread(worker.run_once)
        assert result.sent == len(parts) + 1
        assert _texts(fake)[-1] == NEXT
        shown = "".join(str(m["blocks"]) for m in fake.channels["C1"])
        assert all(f"Organisation number {i} " in shown for i in range(ENTRIES))
    finally:
        await fake.stop()


async def test_a_message_slack_refuses_is_recorded_and_the_channel_goes_on(
    registry: Registry,
) -> None:
    fake = await FakeSlack(max_blocks_chars=200).start()
    try:
        big = PlannedMessage(
            {
                "text": "too big",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 500}}],
            },
            (),
        )
        _queue(registry, [big, _next_alert()])
        notifier = SlackNotifier("xoxb-test", fake.api_url, resend_pause_s=0.0)
        result = await asyncio.to_thread(
            AlertWorker(registry, {"slack": notifier}, pace_s=0.0).run_once
        )
        assert _texts(fake) == [NEXT]
        assert result.refused == 1 and result.sent == 1
        with unit_of_work(registry.sessions) as session:
            states = session.execute(select(OutboxMessage.state, OutboxMessage.error)).all()
        assert ("refused", "msg_blocks_too_long") in states
        # Not retried on the next pass either.
        again = await asyncio.to_thread(
            AlertWorker(registry, {"slack": notifier}, pace_s=0.0).run_once
        )
        assert again.sent == 0 and len(_texts(fake)) == 1
    finally:
        await fake.stop()


async def test_a_channel_whose_history_cannot_be_read_still_gets_its_alerts(
    registry: Registry,
) -> None:
    fake = await FakeSlack(history_error="missing_scope").start()
    try:
        _queue(registry, [_next_alert()])
        with unit_of_work(registry.sessions) as session:
            # An earlier attempt that may or may not have arrived (a crash, a 5xx).
            session.execute(OutboxMessage.__table__.update().values(attempts=1))
        notifier = SlackNotifier("xoxb-test", fake.api_url, resend_pause_s=0.0)
        result = await asyncio.to_thread(
            AlertWorker(registry, {"slack": notifier}, pace_s=0.0).run_once
        )
        assert result.sent == 1 and _texts(fake) == [NEXT]
        with unit_of_work(registry.sessions) as session:
            (error,) = session.scalars(select(OutboxMessage.error)).all()
        assert error is not None and "missing_scope" in error
    finally:
        await fake.stop()
