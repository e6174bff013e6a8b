"""Screening records in Teams, through the Agents SDK's test harness: a message leaves a
record, its card carries a decision form, and the form's Action.Submit stores the
decision on the record (another user's submission is refused)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount
from microsoft_agents.testing import TestAdapter, TestFlow

from bot.teams.app import create_teams_app
from bot.teams.records import DECIDE_ACTION
from handlers.context import Services
from registry.db import unit_of_work
from registry.records import since
from tests.bot.teams.conftest import teams_settings
from tests.bot.teams.fake_connector import card_text


@pytest.fixture
def flow(services: Services) -> Iterator[TestFlow]:
    teams = teams_settings(services.registry).require_teams()
    with ThreadPoolExecutor(max_workers=2) as pool:
        bot = create_teams_app(teams, services, pool)
        yield TestFlow(TestAdapter(channel_id="msteams"), bot.agent.on_turn)


def _records(services: Services) -> list[Any]:
    with unit_of_work(services.registry.sessions) as session:
        return list(since(session))


async def test_a_teams_message_is_recorded_and_its_decision_form_stores_a_decision(
    flow: TestFlow, services: Services
) -> None:
    forms: list[dict[str, Any]] = []

    def keep_form(reply: Activity) -> None:
        assert reply.attachments
        content = reply.attachments[0].content
        forms.extend(a for a in content.get("actions", []) if a["type"] == "Action.ShowCard")

    await flow.send("Hikvision").assert_reply(keep_form).start_test()
    (record,) = _records(services)
    assert record.platform == "teams" and record.user_id and record.query == "Hikvision"
    assert record.intact
    (form,) = forms
    submit = form["card"]["actions"][0]
    assert submit["type"] == "Action.Submit"
    assert submit["data"] == {"mcf_action": DECIDE_ACTION, "record_id": record.id}
    assert {i["id"] for i in form["card"]["body"]} == {"decision", "note"}

    def submitted(user: str) -> Activity:
        # Teams merges the form's inputs into the button's data.
        return Activity(
            type=ActivityTypes.message,
            value={**submit["data"], "decision": "do_not_proceed", "note": "legal says no"},
            from_property=ChannelAccount(id=user),
        )

    def says(fragment: str):  # type: ignore[no-untyped-def]
        def check(reply: Activity) -> None:
            assert reply.attachments
            text = card_text(reply.attachments[0].content)
            assert fragment in text, text[:300]

        return check

    await flow.send(submitted("someone-else")).assert_reply(says("not yours")).start_test()
    assert _records(services)[0].decisions == ()
    await (
        flow.send(submitted(record.user_id))
        .assert_reply(says(f"Decision recorded on record #{record.id}"))
        .start_test()
    )
    (kept,) = _records(services)
    assert [(d.decision, d.note, d.platform) for d in kept.decisions] == [
        ("do_not_proceed", "legal says no", "teams")
    ]
