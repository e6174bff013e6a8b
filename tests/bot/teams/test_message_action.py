"""The "Check organisations" message action through the real aiohttp server on a real
port (anonymous, as with the Playground): Teams POSTs a composeExtension/submitAction
invoke carrying the message, and the answer comes back in the HTTP response as a
dialog, seen by the person who asked and posted to no conversation."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.render.adaptive import CARD_CONTENT_TYPE, SHOW_ACTION, VERSION
from bot.teams.listeners import SCAN_COMMAND
from tests.bot.teams.fake_connector import BOT, TENANT, USER, FakeConnector, card_text

CHANNEL = "19:general@thread.tacv2"
# Meeting notes as Teams sends them: HTML, with entities, inline markup and a mention.
NOTES_HTML = (
    "<div><p><strong>Partnerships sync</strong>, 3&nbsp;May</p>"
    "<ul><li>Baidu presented their cloud roadmap</li>"
    "<li>Prof. Li (<em>National University of Defense Technology</em>) joined by video</li>"
    "<li>the University of Toronto will send the MoU &amp; "
    '<at id="0">Ada Analyst</at> will follow up</li></ul></div>'
)


def message_action(
    service_url: str, data: dict[str, Any] | None = None, html: str = NOTES_HTML
) -> dict[str, Any]:
    """The invoke Teams sends when someone picks the action on a channel message (or a
    button in the dialog it opened: then ``data`` carries the button's data)."""
    value: dict[str, Any] = {
        "commandId": SCAN_COMMAND,
        "commandContext": "message",
        "context": {"theme": "default"},
        "messagePayload": {
            "id": "1712",
            "messageType": "message",
            "createdDateTime": "2026-05-03T09:00:00.000Z",
            "importance": "normal",
            "locale": "en-gb",
            "from": {"user": {"id": "aad-user-2", "displayName": "Bo Board"}},
            "body": {"contentType": "html", "content": html},
            "attachments": [],
            "mentions": [{"id": 0, "mentionText": "Ada Analyst"}],
            "reactions": [],
        },
    }
    if data is not None:
        value["data"] = data
    return {
        "type": "invoke",
        "name": "composeExtension/submitAction",
        "id": "invoke-1",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": USER,
        "recipient": BOT,
        "conversation": {"id": CHANNEL, "conversationType": "channel", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}},
        "locale": "en-GB",
        "value": value,
    }


async def invoke(server: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST the invoke; return the dialog's Adaptive Card from the HTTP response."""
    url = f"{server}/api/messages"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        assert response.status == 200
        answer = await response.json()
    task = answer["task"]
    assert task["type"] == "continue"
    assert task["value"]["card"]["contentType"] == CARD_CONTENT_TYPE
    card: dict[str, Any] = task["value"]["card"]["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == VERSION
    return card


def _buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return found


async def test_meeting_notes_list_baidu_and_nudt_privately(
    teams_server: str, connector: FakeConnector
) -> None:
    card = await invoke(teams_server, message_action(connector.url))
    text = card_text(card)
    lines = text.splitlines()
    assert lines[0] == "2 organisations from the registry named in the message: 2 listed"
    listed = [line for line in lines if line.startswith("🔴 ")]
    assert len(listed) == 2
    assert listed[0].startswith("🔴 Baidu → Baidu, Inc. (CN): listed on DoD 1260H since")
    assert "National University of Defense Technology" in listed[1]
    assert "Toronto" not in text and "Ada Analyst" not in text
    # Nothing was posted to the channel: the dialog is the only answer.
    assert connector.conversations == {}

    # Each line's "Card" button opens that organisation's full card, in the dialog.
    cards = [b for b in _buttons(card) if b["title"] == "Card"]
    assert len(cards) == 2 and all(b["data"]["mcf_action"] == SHOW_ACTION for b in cards)
    opened = await invoke(teams_server, message_action(connector.url, data=cards[0]["data"]))
    opened_text = card_text(opened)
    assert opened_text.startswith("Baidu, Inc.")
    assert "28th Research Institute" in opened_text and "Sources" in opened_text
    assert connector.conversations == {}


async def test_a_message_naming_no_organisation_says_so(
    teams_server: str, connector: FakeConnector
) -> None:
    body = message_action(connector.url, html="<p>Lunch at <b>noon</b>?</p>")
    card = await invoke(teams_server, body)
    assert card_text(card) == "No organisation in the registry is named in this message."
    assert _buttons(card) == []


async def test_an_unknown_command_gets_an_answer_not_an_error(
    teams_server: str, connector: FakeConnector
) -> None:
    body = message_action(connector.url)
    body["value"]["commandId"] = "somethingElse"
    card = await invoke(teams_server, body)
    assert "not one of mine" in card_text(card)
