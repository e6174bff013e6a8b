"""Lookups answered from memory (``dispatch.from_memory``): the same answer as in the
pool, no SQL at all, and no record left when it cannot answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, func, select

from handlers import commands, dispatch
from handlers.context import ChatContext, Services
from handlers.replies import LookupReply
from registry.lookup.live import LiveIndex
from registry.models import Entity, ScreeningRecord

CHAT = ChatContext(platform="slack", channel_id="C1", team_id="T1", user_id="U1")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(services: Services, clock: Clock) -> Services:
    """Services as ``serve`` has them: the change log looked at once a second."""
    services.index = LiveIndex(1.0, clock=clock)
    return services


@pytest.fixture
def statements(server: Services) -> Iterator[list[str]]:
    sent: list[str] = []
    engine: Engine = server.registry.engine

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def _records(services: Services) -> int:
    with services.registry.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ScreeningRecord)) or 0)


def _same(a: LookupReply, b: LookupReply) -> None:
    shown = (a.status, a.card, a.finding, a.candidates)
    assert shown == (b.status, b.card, b.finding, b.candidates)


def test_every_name_answers_from_memory_as_in_the_pool(server: Services) -> None:
    """Over every organisation's name: once its card is built, the answer from memory is
    the pool's (status, card, verdict, candidates), and sends no SQL."""
    with server.registry.sessions() as session:
        every = session.scalars(select(Entity.name).order_by(Entity.id)).all()
    # (A name with a comma or a semicolon in it asks for a list: not a plain lookup.)
    names = [n for n in every if isinstance(dispatch.read(n).parsed, commands.Lookup)]
    assert len(names) > 0.5 * len(every)
    pooled = {}
    for name in names:
        reply = dispatch.respond(server, dispatch.read(name)).settled().body
        assert isinstance(reply, LookupReply)
        pooled[name] = reply
    sent: list[str] = []
    event.listen(server.registry.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    answered = 0
    for name in names:
        recording = dispatch.from_memory(server, dispatch.read(name))
        if recording is None:  # a "nothing found" says which lists it searched: the database
            assert pooled[name].card is None
            continue
        body = recording.reply.body
        assert isinstance(body, LookupReply)
        _same(body, pooled[name])
        answered += 1
    assert not sent
    assert answered >= 0.99 * len(names)


def test_the_answer_keeps_its_record(server: Services, statements: list[str]) -> None:
    dispatch.respond(server, dispatch.read("Baidu"), CHAT).settled()
    before = _records(server)
    statements.clear()
    recording = dispatch.from_memory(server, dispatch.read("Baidu"), CHAT)
    assert recording is not None and not statements  # answered without a statement
    reply = recording.settled()  # the writer's thread keeps the record
    assert reply.records and _records(server) == before + 1


def test_a_card_not_built_yet_is_left_to_the_pool_and_leaves_no_record(
    server: Services, statements: list[str]
) -> None:
    dispatch.respond(server, dispatch.read("Huawei Technologies Co., Ltd."), CHAT).settled()
    before = _records(server)
    statements.clear()
    assert dispatch.from_memory(server, dispatch.read("Baidu"), CHAT) is None
    assert not statements and _records(server) == before
    # The pool answers it, and from then on memory does.
    dispatch.respond(server, dispatch.read("Baidu"), CHAT).settled()
    assert dispatch.from_memory(server, dispatch.read("Baidu"), CHAT) is not None


def test_the_editions_in_force_are_read_in_the_pool(
    server: Services, statements: list[str]
) -> None:
    """A record names the editions in force, read once per change-log position: the
    first record of a position is not written from memory (nor is any record)."""
    dispatch.respond(server, dispatch.read("Baidu")).settled()  # the card, no record
    before = _records(server)
    statements.clear()
    assert dispatch.from_memory(server, dispatch.read("Baidu"), CHAT) is None
    assert not statements and _records(server) == before
    assert dispatch.respond(server, dispatch.read("Baidu"), CHAT).settled().records
    recording = dispatch.from_memory(server, dispatch.read("Baidu"), CHAT)
    assert recording is not None and recording.settled().records


def test_a_change_log_due_a_look_is_left_to_the_pool(server: Services, clock: Clock) -> None:
    dispatch.respond(server, dispatch.read("Baidu")).settled()
    assert dispatch.from_memory(server, dispatch.read("Baidu")) is not None
    clock.now += 1.5  # past the refresh interval: the pool looks at the change log
    assert dispatch.from_memory(server, dispatch.read("Baidu")) is None
    dispatch.respond(server, dispatch.read("Baidu")).settled()
    assert dispatch.from_memory(server, dispatch.read("Baidu")) is not None


def test_a_registry_that_looks_at_every_ask_never_answers_from_memory(
    services: Services,
) -> None:
    # ``mcf-bot ask`` and the tests: the change log is looked at on every lookup.
    dispatch.respond(services, dispatch.read("Baidu")).settled()
    assert dispatch.from_memory(services, dispatch.read("Baidu")) is None


@pytest.mark.parametrize("typed", ["help", "subscribe us-1260h", "report Baidu", "graph Baidu"])
def test_only_plain_lookups_are_answered_from_memory(server: Services, typed: str) -> None:
    dispatch.respond(server, dispatch.read("Baidu")).settled()
    assert dispatch.from_memory(server, dispatch.read(typed), CHAT) is None
