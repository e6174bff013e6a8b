"""bot/slack/lookup_listeners.acknowledgement: a /mcf answer sent as Slack's HTTP answer
(serialised by orjson) reads back as exactly what ``ack(response_type=..., **message)``
sends, whatever the text holds."""

from __future__ import annotations

import json

from bot.slack.lookup_listeners import acknowledgement

HOSTILE = [
    'quote " backslash \\ slash / <@U123> <!channel>',
    "bidi \u202e\u2066 and zero width \u200b",
    "Chinese 北京百度网讯科技有限公司, emoji 🛰️, astral 𠀀",
    "control \u0007 \u001f newline \n tab \t",
]


def test_the_answer_reads_back_as_acks_would() -> None:
    for text in HOSTILE:
        message = {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": text[::-1]}]},
                {"type": "actions", "elements": [{"type": "button", "value": "12"}]},
            ],
        }
        response = acknowledgement("ephemeral", message)
        assert response.status == 200
        assert response.headers["content-type"] == ["application/json;charset=utf-8"]
        assert json.loads(response.body) == {"response_type": "ephemeral", **message}
