"""One entry point: a command is parsed once per request, whatever asks about it."""

from __future__ import annotations

import pytest

from handlers import commands, dispatch
from handlers.context import Services
from handlers.replies import ErrorReply


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    seen: list[str | None] = []
    real = commands.parse

    def counting(text: str | None) -> commands.Command:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(commands, "parse", counting)
    return seen


def test_a_request_parses_its_command_once(services: Services, parses: list[str | None]) -> None:
    typed = dispatch.read("subscribe us-1260h")
    # The front end routes on it (a write), then the handler answers it: no parse again.
    assert dispatch.writes(typed) and not dispatch.writes(dispatch.read("Baidu"))
    reply = dispatch.handle(services, typed)  # no channel: the error says where to ask
    assert isinstance(reply.body, ErrorReply)
    assert parses == ["subscribe us-1260h", "Baidu"]


def test_a_command_that_does_not_parse_is_answered_from_the_same_reading(
    services: Services, parses: list[str | None]
) -> None:
    typed = dispatch.read("x" * 10_000)
    assert not dispatch.writes(typed)
    reply = dispatch.handle(services, typed)
    assert isinstance(reply.body, ErrorReply) and "characters" in reply.body.message
    assert len(parses) == 1


def test_text_still_works_for_callers_that_parse_nothing_first(
    services: Services, parses: list[str | None]
) -> None:
    reply = dispatch.handle(services, "Baidu")
    assert reply.body.card is not None and parses == ["Baidu"]  # type: ignore[union-attr]
