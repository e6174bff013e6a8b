"""Planning reads the change log once: each subscription keeps a watermark, so an idle
pass reads no old change (a name watch used to test every name of a big import again at
every pass), while a watch still hears of what comes later, once, and a change that
PostgreSQL commits late under a lower id is not skipped. Speed: bench/watch_pass.py."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from registry import store, subscriptions
from registry.db import unit_of_work
from registry.models import Change, Delivery, Entity, Subscription
from registry.service import Registry
from registry.subscriptions import Topic

WATCHED = "Crimson Lotus Avionics Co., Ltd."
OTHERS = 300


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry.connect(f"sqlite:///{tmp_path / 'watermark.sqlite3'}")
    registry.init(empty=True)
    yield registry
    registry.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest) -> Registry:
    fixture = "sqlite_registry" if request.param == "sqlite" else "pg_empty_registry"
    found: Registry = request.getfixturevalue(fixture)
    return found


def _worker(registry: Registry) -> AlertWorker:
    # Planning only renders; nothing is sent, so the API URL is never called.
    return AlertWorker(registry, {"slack": SlackNotifier("xoxb-test", "http://127.0.0.1:9/api/")})


def _reading_changes(registry: Registry, fn: Callable[[], Any]) -> tuple[Any, int]:
    """``fn()`` and how many rows of the change log its queries returned: every query on
    ``changes`` it ran (but the settled position's ``max``) is run again, to count."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        flat = " ".join(statement.split())
        if re.search(r"\bFROM changes\b", flat) and not flat.startswith("SELECT max("):
            seen.append((statement, params))

    event.listen(registry.engine, "after_cursor_execute", record)
    try:
        result = fn()
    finally:
        event.remove(registry.engine, "after_cursor_execute", record)
    with registry.engine.connect() as conn:
        rows = sum(len(conn.exec_driver_sql(st, p).all()) for st, p in seen)
    assert seen, "no query on the change log was seen"
    return result, rows


def _watch(registry: Registry, name: str) -> int:
    with unit_of_work(registry.sessions) as session:
        sub, _ = subscriptions.subscribe(
            session,
            platform="slack",
            channel_id="C1",
            topic=Topic.of_name(name),
            watch_name=name,
        )
        return sub.id


def _add(registry: Registry, *names: str) -> None:
    with unit_of_work(registry.sessions) as session:
        for name in names:
            store.new_entity(session, key=uuid.uuid4().hex, name=name, kind="company")


def _delivered(registry: Registry, sub_id: int) -> list[int]:
    with unit_of_work(registry.sessions) as session:
        return list(
            session.scalars(
                select(Delivery.change_id)
                .where(Delivery.subscription_id == sub_id)
                .order_by(Delivery.change_id)
            )
        )


def _sub(registry: Registry, sub_id: int) -> tuple[int | None, int, int]:
    """(adopted entity, watermark, latest change id)."""
    with unit_of_work(registry.sessions) as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        return sub.entity_id, sub.scanned_to_change_id, subscriptions.latest_change_id(session)


def test_an_idle_pass_reads_no_old_change_and_the_watch_still_hears(registry: Registry) -> None:
    sub_id = _watch(registry, WATCHED)
    _add(registry, *(f"Synthetic Trading Company {i:04d}" for i in range(OTHERS)))
    worker = _worker(registry)

    planned, read = _reading_changes(registry, worker.plan)
    assert planned == 0 and read == OTHERS  # the new changes, read once
    entity, watermark, latest = _sub(registry, sub_id)
    assert entity is None and watermark == latest

    # Idle: nothing new, nothing old read again.
    planned, read = _reading_changes(registry, worker.plan)
    assert (planned, read) == (0, 0)

    # The watched name appears: told once, with the change that brought it.
    _add(registry, WATCHED)
    planned, read = _reading_changes(registry, worker.plan)
    assert planned == 1 and read <= 2
    entity, watermark, latest = _sub(registry, sub_id)
    assert entity is not None and watermark == latest
    assert _delivered(registry, sub_id) == [latest]
    planned, read = _reading_changes(registry, worker.plan)
    assert (planned, read) == (0, 0)

    # A later change of the adopted organisation: told once more, and only it.
    with unit_of_work(registry.sessions) as session:
        found = session.get(Entity, entity)
        assert found is not None
        assert store.add_alias(session, found, "Crimson Lotus Avionics Research Institute")
    assert worker.plan() == 1
    delivered = _delivered(registry, sub_id)
    assert len(delivered) == len(set(delivered)) == 2
    assert delivered[-1] == _sub(registry, sub_id)[2]
    assert _reading_changes(registry, worker.plan) == (0, 0)


def test_a_change_committed_late_under_a_lower_id_is_not_skipped(
    pg_empty_registry: Registry,
) -> None:
    """PostgreSQL draws ids at insert and commits in any order: the watermark must not
    pass an id an open transaction still holds."""
    registry = pg_empty_registry
    sub_id = _watch(registry, WATCHED)
    worker = _worker(registry)
    late = registry.sessions()
    try:
        store.new_entity(late, key="late", name=WATCHED, kind="company")
        late.flush()  # its change id is drawn now; the transaction stays open
        late_id = late.scalar(select(func.max(Change.id)))
        _add(registry, "Synthetic Trading Company 0001")  # a higher id, committed first
        assert worker.plan() == 0
        entity, watermark, latest = _sub(registry, sub_id)
        assert entity is None and latest > late_id
        assert watermark < late_id  # not moved past what is still in flight
        late.commit()
    finally:
        late.close()
    assert worker.plan() == 1
    assert _delivered(registry, sub_id) == [late_id]
    assert worker.plan() == 0
    assert _sub(registry, sub_id)[1] == _sub(registry, sub_id)[2]
