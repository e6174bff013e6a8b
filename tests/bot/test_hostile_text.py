"""Hostile text from data stays inert in every output.

``tests/fixtures/ftm/hostile.ftm.json`` (ours, see ``make_hostile.py``) carries OSC 8
links, clear-screen, colours, BEL, backspace, C1 controls, U+202E and isolates,
zero-width characters, and tabs and newlines in captions. Imported into the registry, it
goes through every way out: the terminal card, ``mcf-bot check`` lines and JSON, Block
Kit through the real app, Adaptive Cards, digests and watch alerts through the alert
worker to the fake Slack (and as Teams cards), and the App Home. None may carry a control,
bidi or zero-width character, and ``check`` prints one line per name.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from bot.cli import main
from bot.render import adaptive
from handlers.context import ChatContext, Services
from handlers.digests import build_digests
from handlers.dispatch import handle
from registry import alert_planning, subscriptions
from registry.db import unit_of_work
from registry.importers import run_import
from registry.text import is_clean
from tests.conftest import FIXTURES
from tests.extras import require
from tests.fake_slack import SECRET, FakeSlack, event_body, post, signed, slash_body

HOSTILE = FIXTURES / "ftm" / "hostile.ftm.json"
# What a person types to find each hostile organisation, and a query of their own that is
# hostile too (a terminal user may paste anything).
QUERIES = [
    "Osc Eight Click here Holdings",
    "Clearscreen Industries",
    "Crimson Dragon Technology",
    "Backspace GoodcoEvilco Ltd",
    "Mirror detimiL oC Works",
    "Zerowidth Systems",
    "Tabsplit Ventures",
    "Evil\x1b[2J\x1b]8;;https://x\x07Query\u202e",
]


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)] + [
            k for k in node if isinstance(k, str)
        ]
    if isinstance(node, list | tuple):
        return [s for v in node for s in strings(v)]
    return []


def assert_inert(node: Any, where: str) -> None:
    bad = [s for s in strings(node) if not is_clean(s, multiline=True)]
    assert not bad, f"{where}: control/bidi characters left in {bad[:3]!r}"


def _import(services: Services) -> None:
    require("followthemoney", "ftm")
    with unit_of_work(services.registry.sessions) as session:
        run_import(session, "ftm", [HOSTILE])


def test_the_fixture_is_hostile() -> None:
    """The file must really hold what the tests say it does (or they prove nothing)."""
    raw = "".join(json.loads(line)["caption"] for line in HOSTILE.read_text().splitlines())
    for needle in ("\x1b]8;;", "\x1b[2J", "\x1b[31m", "\x07", "\x08", "\u202e", "\u200b", "\t"):
        assert needle in raw, repr(needle)


def test_terminal_card_check_lines_and_json(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _import(services)
    monkeypatch.setenv("MCF_DATABASE_URL", str(services.registry.engine.url))
    for query in QUERIES:
        assert main(["ask", query]) == 0
        out = capsys.readouterr().out
        assert_inert(out, f"ask {query!r}")
        assert main(["ask", "--json", query]) == 0
        assert_inert(json.loads(capsys.readouterr().out), f"ask --json {query!r}")
    assert main(["ask", "Crimson Dragon Technology"]) == 0
    card = capsys.readouterr().out
    assert "Reason given: Because Click here of everything" in card
    assert "Tabsplit Ventures listed Baidu, Inc. Forged listed" in card

    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(QUERIES) + "\n"))
    assert main(["check"]) in (0, 1)
    *lines, summary = capsys.readouterr().out.splitlines()
    assert len(lines) == len(QUERIES)  # one line per name: no caption forges another
    assert summary.startswith(f"{len(QUERIES)} names: "), summary
    assert_inert(summary, "check")
    for line in lines:
        assert_inert(line.replace("\t", " "), "check")
        assert 2 <= len(line.split("\t")) <= 4
    assert lines[6].split("\t")[1] == "listed"

    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(QUERIES) + "\n"))
    assert main(["check", "--json"]) in (0, 1)
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(QUERIES)
    # Echoed queries too: the hostile one comes back as the sanitiser leaves it.
    assert_inert(rows, "check --json")
    assert rows[-1]["query"] == "EvilQuery"
    assert all(is_clean(r["query"]) for r in rows)


def test_adaptive_cards(services: Services) -> None:
    _import(services)
    for query in [*QUERIES, "check " + "; ".join(QUERIES[:7])]:
        reply = handle(services, query)
        assert_inert(adaptive.reply_card(reply), f"adaptive {query!r}")
        assert_inert(adaptive.summary(reply), f"adaptive summary {query!r}")


async def test_block_kit_digests_watch_alerts_and_app_home(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    url = f"{server}/slack/events"
    for text in ("subscribe", "watch Crimson Dragon Technology"):
        body = slash_body(text, fake_slack.response_url)
        status, _ = await post(url, body, signed(SECRET, body))
        assert status == 200
    await asyncio.to_thread(_import, services)

    for query in [*QUERIES, "check " + "; ".join(QUERIES[:7])]:
        body = slash_body(query, fake_slack.response_url)
        status, answer = await post(url, body, signed(SECRET, body))
        assert status == 200
        assert_inert(answer, f"/mcf {query!r}")

    notifier = SlackNotifier("xoxb-test", fake_slack.api_url)
    result = await asyncio.to_thread(
        AlertWorker(services.registry, {"slack": notifier}, pace_s=0.0).run_once
    )
    assert result.sent >= 2
    posted = fake_slack.channels["C1"]
    text = json.dumps(posted, ensure_ascii=False)
    assert "Crimson Dragon Technology" in text and "Watched:" in text
    assert_inert(posted, "digests and watch alerts")

    # The same digests as Teams cards.
    with unit_of_work(services.registry.sessions) as session:
        chat = ChatContext("teams", "19:c@thread", user_id="U1")
        for sub in subscriptions.channel_subscriptions(session, "slack", "C1"):
            sub.start_after_change_id = sub.scanned_to_change_id = 0
            changes = alert_planning.pending_changes(session, sub)
            for digest in build_digests(session, sub, changes):
                for message in adaptive.digest_messages(digest):
                    assert_inert(message.payload, f"Teams digest for {chat.platform}")
        session.rollback()

    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    body = event_body(event | {"event_ts": "1.6"})
    headers = signed(SECRET, body) | {"Content-Type": "application/json"}
    status, _ = await post(url, body, headers)
    assert status == 200
    for _ in range(100):
        if "U1" in fake_slack.views:
            break
        await asyncio.sleep(0.05)
    view = fake_slack.views["U1"]
    assert "Crimson Dragon Technology" in json.dumps(view, ensure_ascii=False)
    assert_inert(view, "App Home")


def test_every_format_character_is_screened() -> None:
    """The quick screen in ``registry.text`` knows every character ``unicodedata`` calls
    a control, format or surrogate, so the fast path cannot let one through."""
    import sys
    import unicodedata

    from registry.text import _SUSPECT

    missed = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and not _SUSPECT.match(chr(c))
    ]
    assert not missed


def test_clean_text_rules(tmp_path: Path) -> None:
    from registry.text import clean_text

    assert clean_text("A\x1b]8;;https://e\x07B\x1b]8;;\x07 C\x1b[2J\x1b[31mD\x1b[0m") == "AB CD"
    assert clean_text("Tab\tand\nbreak  \u2028x") == "Tab and break x"
    assert clean_text("keep\nlines\tnot tabs", multiline=True) == "keep\nlines not tabs"
    assert clean_text("Zero\u200bwidth\u202e\u2066\u2069\ufeff") == "Zerowidth"
    assert clean_text("北京\u200d航空") == "北京航空"


async def test_rows_written_before_the_sanitiser_are_cleaned_on_the_way_out(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    """A registry filled by an older version (text never cleaned) still shows nothing
    hostile: the chat renderers clean what they escape, as the terminal does."""
    from sqlalchemy import insert

    from registry.models import Entity

    dirty = "Legacy\x1b[2J Dirt\u202eCo\x07 Holdings"
    with unit_of_work(services.registry.sessions) as session:
        session.execute(insert(Entity), [{"key": "legacy-dirt", "name": dirty, "kind": "company"}])
    body = slash_body("Legacy Dirt Co Holdings", fake_slack.response_url)
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    assert status == 200
    assert "Legacy Dirt" in json.dumps(answer) and "CoHoldings" not in json.dumps(answer)
    assert "DirtCo" in json.dumps(answer)  # the stored name, not the query echoed
    assert_inert(answer, "Block Kit of a legacy row")
    reply = handle(services, "Legacy Dirt Co Holdings")
    assert_inert(adaptive.reply_card(reply), "Adaptive Card of a legacy row")
