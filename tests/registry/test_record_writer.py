"""Screening records of concurrent answers written together: every caller's records
kept once and handed back as its own, in fewer transactions than callers; one bad record
does not take the others with it; a held write lock refuses within the short wait and the
writer carries on after it; the writing thread ends when idle; on SQLite and
PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from registry import records
from registry.db import is_locked
from registry.models import RecordCard, ScreeningRecord
from registry.record_writer import RecordWriter
from registry.records import Requester, Screening
from registry.service import Registry

CALLERS = 40
EACH = 3
EDITIONS = {"entity_list": "2025-09-29"}


CARDS = 4  # the callers' first records show one of these cards, each kept once


def _card(caller: int) -> records.Part:
    card = {"id": caller % CARDS, "sources": [f"source {n}" for n in range(300)]}
    return records.Part.of(records.canonical_text(card))


def _screenings(caller: int) -> list[Screening]:
    shown = records.Canonical.of({"n": 0}, card=_card(caller))
    return [
        Screening("lookup", f"caller {caller} query {i}", "listed", (caller,), answer)
        for i, answer in enumerate([shown, *({"n": i} for i in range(1, EACH))])
    ]


def _commits(registry: Registry) -> list[int]:
    seen: list[int] = []
    event.listen(registry.engine, "commit", lambda _conn: seen.append(1))
    return seen


def _each_caller_gets_its_own(registry: Registry) -> None:
    writer = RecordWriter(registry.engine)
    commits = _commits(registry)
    start = threading.Barrier(CALLERS)

    def ask(caller: int) -> tuple[int, list[int]]:
        start.wait()  # all at once, as 50 concurrent asks arrive
        who = Requester("slack", f"U{caller}", "T1", "C1")
        return caller, writer.write(who, _screenings(caller), EDITIONS)

    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(ask, range(CALLERS)))
    with registry.sessions() as session:
        rows = {r.id: r for r in records.since(session)}
        cards = session.scalars(select(RecordCard.sha256)).all()
    assert len(rows) == CALLERS * EACH
    assert sorted(cards) == sorted({_card(caller).sha256 for caller in range(CARDS)})
    for caller, ids in results:
        assert [rows[i].query for i in ids] == [s.query for s in _screenings(caller)]
        assert {rows[i].user_id for i in ids} == {f"U{caller}"}
        assert all(rows[i].editions == EDITIONS for i in ids)
        assert all(rows[i].intact for i in ids)
        assert rows[ids[0]].answer["card"]["id"] == caller % CARDS
    assert 1 <= len(commits) < CALLERS  # grouped: fewer transactions than callers


def test_concurrent_callers_each_get_their_own_records_in_fewer_commits(
    empty_registry: Registry,
) -> None:
    _each_caller_gets_its_own(empty_registry)


def test_concurrent_callers_on_postgres(pg_empty_registry: Registry) -> None:
    _each_caller_gets_its_own(pg_empty_registry)


def test_one_bad_record_does_not_take_the_others_with_it(empty_registry: Registry) -> None:
    writer = RecordWriter(empty_registry.engine)
    gate = threading.Event()
    real = writer._insert
    groups: list[int] = []

    def slow_first(items: Any) -> Any:
        groups.append(len(items))
        if len(groups) == 1:
            gate.wait(5)  # the others queue up behind the first group meanwhile
        return real(items)

    writer._insert = slow_first  # type: ignore[method-assign]
    bad = Screening("lookup", "bad", "listed", (), {"not json": object()})
    outcomes: dict[str, object] = {}

    def ask(name: str, screening: Screening) -> None:
        try:
            outcomes[name] = writer.write(Requester("cli", name), [screening], EDITIONS)
        except Exception as exc:  # the caller hears it
            outcomes[name] = exc

    first = threading.Thread(target=ask, args=("first", _screenings(1)[0]))
    first.start()
    while not groups:
        time.sleep(0.01)
    others = [
        threading.Thread(target=ask, args=(name, s))
        for name, s in (("good", _screenings(2)[0]), ("bad", bad), ("also", _screenings(3)[0]))
    ]
    for t in others:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in [first, *others]:
        t.join(10)
    assert isinstance(outcomes["bad"], TypeError)
    assert all(isinstance(outcomes[n], list) and len(outcomes[n]) == 1 for n in ("good", "also"))
    assert groups[1] == 3  # the three waiting went as one group first
    with empty_registry.sessions() as session:
        assert sorted(session.scalars(select(ScreeningRecord.user_id))) == [
            "also",
            "first",
            "good",
        ]


@pytest.fixture
def held_lock(empty_registry: Registry) -> Iterator[sqlite3.Connection]:
    database = empty_registry.engine.url.database
    assert database is not None
    other = sqlite3.connect(Path(database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # what an import does for minutes
    yield other
    other.close()


def test_a_held_lock_refuses_within_the_wait_and_the_writer_carries_on(
    empty_registry: Registry, held_lock: sqlite3.Connection
) -> None:
    writer = RecordWriter(empty_registry.engine, lock_wait_s=0.2)
    started = time.monotonic()
    with pytest.raises(Exception) as refused:
        writer.write(Requester("cli", "me"), _screenings(1), EDITIONS)
    assert is_locked(refused.value)
    assert time.monotonic() - started < 5
    held_lock.execute("ROLLBACK")
    assert len(writer.write(Requester("cli", "me"), _screenings(1), EDITIONS)) == EACH
    with empty_registry.sessions() as session:
        assert len(session.scalars(select(ScreeningRecord)).all()) == EACH


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "record-writer"]


def test_the_writing_thread_ends_when_idle_and_a_new_record_starts_another(
    empty_registry: Registry,
) -> None:
    before = len(_writers())
    writer = RecordWriter(empty_registry.engine, linger_s=0.05)
    kept = writer.submit(Requester("slack", "U1"), _screenings(1), EDITIONS)
    assert len(kept.result(timeout=10)) == EACH
    deadline = time.monotonic() + 5
    while len(_writers()) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_writers()) == before  # nothing left running for a writer used once
    assert len(writer.write(Requester("cli", "me"), _screenings(2), EDITIONS)) == EACH
    with empty_registry.sessions() as session:
        assert len(session.scalars(select(ScreeningRecord)).all()) == 2 * EACH


def test_submitted_records_settle_their_futures_in_one_group(empty_registry: Registry) -> None:
    """Answers awaited on an event loop: many submitted before the first commit are one
    transaction, and each future holds its own ids."""
    writer = RecordWriter(empty_registry.engine)
    commits = _commits(empty_registry)
    gate = threading.Event()
    real = writer._insert
    groups: list[int] = []

    def held(items: Any) -> Any:
        groups.append(len(items))
        gate.wait(5)
        return real(items)

    writer._insert = held  # type: ignore[method-assign]
    first = writer.submit(Requester("slack", "U0"), _screenings(0), EDITIONS)
    while not groups:
        time.sleep(0.01)
    rest = [
        writer.submit(Requester("slack", f"U{i}"), _screenings(i), EDITIONS)
        for i in range(1, CALLERS)
    ]
    gate.set()
    ids = [first.result(timeout=10), *(f.result(timeout=10) for f in rest)]
    assert groups == [1, CALLERS - 1]
    assert len(commits) == 2
    with empty_registry.sessions() as session:
        rows = {r.id: r for r in session.scalars(select(ScreeningRecord))}
    for caller, kept in enumerate(ids):
        assert [rows[i].query for i in kept] == [s.query for s in _screenings(caller)]


def test_a_cancelled_record_is_dropped_and_the_writer_carries_on(
    empty_registry: Registry,
) -> None:
    """An answer cancelled before its record was written (the server stopping): its
    record is not written, and the records after it are."""
    writer = RecordWriter(empty_registry.engine)
    gate = threading.Event()
    real = writer._insert

    def held(items: Any) -> Any:
        gate.wait(5)
        return real(items)

    writer._insert = held  # type: ignore[method-assign]
    first = writer.submit(Requester("slack", "U0"), _screenings(0), EDITIONS)
    time.sleep(0.05)  # the writer holds the first group
    dropped = writer.submit(Requester("slack", "U1"), _screenings(1), EDITIONS)
    assert dropped.cancel()
    gate.set()
    assert len(first.result(timeout=10)) == EACH
    after = writer.submit(Requester("slack", "U2"), _screenings(2), EDITIONS)
    assert len(after.result(timeout=10)) == EACH
    with empty_registry.sessions() as session:
        users = sorted(set(session.scalars(select(ScreeningRecord.user_id))))
    assert users == ["U0", "U2"]
