"""What a member types comes back inert (issue 27, finding 11): through the real app on
a real port, an echoed query cannot make the bot post emphasis, a link or a mention; and
a source URL with a space still renders as one link in Slack and in Teams."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any
from urllib.parse import quote

from sqlalchemy import update

from bot.render import adaptive
from bot.render.slack import message
from handlers.context import Services
from handlers.dispatch import handle
from registry.db import unit_of_work
from registry.models import Source
from tests.fake_slack import SECRET, FakeSlack, post, signed, slash_body, validate

HOSTILE = "*URGENT* _read_ ~this~ `now` https://evil.example <!here> @here"
# mrkdwn emphasis: a marker at a word's edge, closed by the same marker at another.
EMPHASIS = re.compile(r"(?<!\w)([*_~])[^\s*_~][^\n]*?\1(?!\w)")


def _mrkdwn(node: Any) -> list[dict[str, Any]]:
    """Every mrkdwn text object in a Block Kit payload."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [t for v in node.values() for t in _mrkdwn(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn(v)]
    return []


async def _slash(server: str, fake_slack: FakeSlack, text: str) -> list[dict[str, Any]]:
    body = slash_body(text, fake_slack.response_url)
    before = len(fake_slack.responses)
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    assert status == 200
    if "blocks" not in answer:  # a slow answer ("Looking that up…") comes to response_url
        deadline = time.monotonic() + 60
        while len(fake_slack.responses) == before:
            assert time.monotonic() < deadline, "no answer at the response_url"
            await asyncio.sleep(0.1)
        answer = fake_slack.responses[before]
    validate(answer["blocks"])
    return _mrkdwn(answer["blocks"])


def _our_own_emphasis_removed(text: str) -> str:
    """The text with the bot's own *…* around whole runs taken out (a query is shown in
    bold on a check line), so what is left is what the member typed."""
    return re.sub(r"(?<!\w)\*([^*\n]+)\*(?!\w)", r"\1", text)


async def test_an_echoed_query_forms_no_emphasis_link_or_mention(
    server: str, fake_slack: FakeSlack
) -> None:
    for text in (HOSTILE, f"check Baidu; {HOSTILE}"):
        objects = await _slash(server, fake_slack, text)
        joined = "\n".join(o["text"] for o in objects)
        assert "URGENT" in joined, "the query is echoed (as text)"
        for o in objects:
            # Slack's switch: no link made from a bare URL, no mention parsed.
            assert o.get("verbatim") is True, o
            typed = _our_own_emphasis_removed(o["text"])
            assert not EMPHASIS.search(typed), typed
        assert "<!here>" not in joined and "<https://evil" not in joined
        assert "@here" not in joined  # a word joiner after the @


def test_a_source_url_with_a_space_is_one_link_in_slack_and_teams(
    services: Services,
) -> None:
    card = handle(services, "Baidu").body.card  # type: ignore[union-attr]
    assert card is not None and card.sources
    spaced = "https://www.bis.doc.gov/files/Entity List Additions 2020.pdf"
    with unit_of_work(services.registry.sessions) as session:
        session.execute(update(Source).where(Source.url == card.sources[0].url).values(url=spaced))
    encoded = quote(spaced, safe=":/")
    reply = handle(Services(services.registry), "Baidu")  # no card cached from before
    blocks = str(message(reply, full=True)["blocks"])
    assert f"<{encoded}|" in blocks
    assert "/Entity List" not in blocks  # never a URL cut at its first space
    targets = [
        a["url"] for a in _actions(adaptive.reply_card(reply)) if a.get("type") == "Action.OpenUrl"
    ]
    assert encoded in targets
    assert all(" " not in t for t in targets)


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        here = [node["selectAction"]] if isinstance(node.get("selectAction"), dict) else []
        return here + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []
