"""bot/slack/after_ack.py: with process_before_response Slack is answered when a
listener returns, so a listener that acknowledges and then works returns at its
acknowledgement and the work goes on; a failure after it is told to the person, a
failure before it goes to Bolt's error handler as before."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from bot.slack.after_ack import acks_first


class Calls:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []

    async def ack(self, **options: Any) -> None:
        self.acks.append(options)

    async def respond(self, **options: Any) -> None:
        self.responses.append(options)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_bolt_reads_the_listeners_own_arguments() -> None:
    async def share(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()

    wrapped = acks_first(share)
    # What Bolt does to know which arguments to pass (slack_bolt.util.utils).
    assert inspect.getfullargspec(inspect.unwrap(wrapped)).args == ["ack", "body", "respond"]


def test_returns_at_the_acknowledgement_and_the_work_goes_on() -> None:
    calls = Calls()
    release = asyncio.Event()

    async def listener(ack: Any, respond: Any) -> None:
        await ack()
        await release.wait()  # a card fetched for a button, a post into a thread
        await respond(text="the card")

    async def scenario() -> None:
        await asyncio.wait_for(acks_first(listener)(ack=calls.ack, respond=calls.respond), 1)
        assert calls.acks == [{}] and calls.responses == []  # Slack has its answer
        release.set()
        await _settle()
        assert calls.responses == [{"text": "the card"}]

    asyncio.run(scenario())


def test_a_failure_after_the_acknowledgement_is_told_privately() -> None:
    calls = Calls()

    async def listener(ack: Any, respond: Any) -> None:
        await ack()
        await asyncio.sleep(0)
        raise RuntimeError("rendering failed")

    async def scenario() -> None:
        await acks_first(listener)(ack=calls.ack, respond=calls.respond)
        await _settle()

    asyncio.run(scenario())
    assert len(calls.responses) == 1
    told = calls.responses[0]
    assert told["response_type"] == "ephemeral" and "went wrong" in told["text"].lower()


def test_a_failure_before_the_acknowledgement_goes_to_bolt() -> None:
    calls = Calls()

    async def listener(ack: Any, respond: Any) -> None:
        raise RuntimeError("no card")

    with pytest.raises(RuntimeError, match="no card"):
        asyncio.run(acks_first(listener)(ack=calls.ack, respond=calls.respond))
    assert calls.acks == [] and calls.responses == []


def test_an_event_returns_at_once() -> None:
    posted: list[str] = []
    release = asyncio.Event()

    async def mentioned(event: dict[str, Any]) -> None:
        await release.wait()
        posted.append(event["text"])

    async def scenario() -> None:
        await asyncio.wait_for(acks_first(mentioned)(event={"text": "Baidu"}), 1)
        assert posted == []
        release.set()
        await _settle()
        assert posted == ["Baidu"]

    asyncio.run(scenario())
