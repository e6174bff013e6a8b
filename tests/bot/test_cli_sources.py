"""``mcf-bot sources`` and ``/mcf sources``: every list with its edition, completeness and
legal effect, from the catalogue joined to what the registry loaded."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.render import adaptive, slack
from handlers.context import Services
from handlers.dispatch import handle
from handlers.replies import NoticeReply, SourcesReply
from registry.catalog import catalog
from registry.service import Registry


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))


def test_sources_json_lists_every_list_with_edition_completeness_and_effect(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    lists = {entry["id"]: entry for entry in answer["lists"]}
    assert list(lists) == list(catalog())
    for entry in lists.values():
        assert entry["completeness"] in ("complete", "sample")
        assert entry["effect"] and entry["legal_basis"]["url"].startswith("https://")
        assert entry["last_import"] is not None
    el = lists["us-entity-list"]
    assert el["edition"] == "2025-11-08" and el["completeness"] == "complete"
    assert el["listed_now"] > 1000 and el["parties"] >= el["listed_now"]
    assert "licence review policy" in el["effect"]
    assert lists["us-meu"]["edition"] == "2022-04-21" and lists["us-meu"]["parties"] == 71
    assert lists["us-1260h"]["edition"] == "2026-06-08"


def test_sources_text_names_each_list_and_what_it_means(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "US Commerce Entity List (us-entity-list)" in out
    assert "Loaded: edition of 2025-11-08; complete as of that edition (" in out
    assert "What a listing means:" in out


def test_mcf_sources_answers_in_chat(services: Services) -> None:
    reply = handle(services, "sources")
    assert isinstance(reply.body, SourcesReply)
    notice = reply.body.as_notice()
    assert isinstance(notice, NoticeReply) and len(notice.lines) == len(catalog())
    assert any("edition of 2025-11-08" in line for line in notice.lines)
    blocks = slack.as_dicts(slack.reply_blocks(reply))
    assert "edition of 2025-11-08" in json.dumps(blocks)
    card = adaptive.reply_card(reply)
    assert "edition of 2025-11-08" in json.dumps(card)
    # A name that happens to start with the word is still a lookup.
    assert not isinstance(handle(services, "sources of funding").body, SourcesReply)
