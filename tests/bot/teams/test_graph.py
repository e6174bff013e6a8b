"""``graph NAME`` in Teams: an inline PNG beside a card naming every organisation."""

from __future__ import annotations

import base64

import aiohttp

from tests.bot.teams.fake_connector import FakeConnector, activity, card_text
from tests.bot.test_graph import png_size


async def test_teams_answers_graph_with_the_image_and_its_organisations(
    teams_server: str, connector: FakeConnector
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{teams_server}/api/messages", json=activity("graph AVIC", connector.url)) as r,
    ):
        assert r.status in (200, 202)
    (sent,) = connector.conversations["a:personal-chat"]
    image, card = sent["attachments"]
    assert image["contentType"] == "image/png"
    prefix = "data:image/png;base64,"
    assert image["contentUrl"].startswith(prefix)
    assert png_size(base64.b64decode(image["contentUrl"][len(prefix) :]))[0] > 800
    text = card_text(card["content"])
    assert "Network of Aviation Industry Corporation of China" in text
    assert "listed on" in text
