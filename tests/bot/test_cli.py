"""The terminal front end, run as a user runs it (in-process, real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.render.json import reply_dict
from handlers.context import Services
from handlers.dispatch import handle
from registry.service import Registry
from tests.fake_slack import FakeSlack


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))


def test_ask_prints_the_card_with_its_source(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "Baidu"]) == 0
    out = capsys.readouterr().out
    assert "Baidu, Inc. (百度)" in out
    assert "has a joint lab with The 28th Research Institute" in out
    # A short card shows where each source is; --full (and --json) the whole URL.
    assert "thediplomat.com/2021/07/…" in out and "https://" not in out
    assert main(["ask", "--full", "Baidu"]) == 0
    assert "https://thediplomat.com/2021/07/at-the-nexus-of" in capsys.readouterr().out


def test_ask_json_matches_through_a_typo(db_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "Hikvison"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "match"
    assert "Hikvision" in answer["match"]["name"]
    for field in (
        "id",
        "name",
        "native_name",
        "kind",
        "country",
        "aliases",
        "score",
        "matched_on",
        "designations",
        "relationships",
        "sources",
    ):
        assert field in answer["match"]
    assert isinstance(answer["candidates"], list)


def test_the_json_of_a_check_list_gives_one_line_per_name(services: Services) -> None:
    # `/mcf check` in chat (the terminal's `ask` takes its whole text as a name).
    reply = handle(services, "check Baidu; Huawei; Harvard University; China Aerospace")
    answer = reply_dict(reply)
    assert answer["status"] == "check"
    lines = answer["lines"]
    assert [x["query"] for x in lines] == [
        "Baidu",
        "Huawei",
        "Harvard University",
        "China Aerospace",
    ]
    assert [x["verdict"] for x in lines] == ["listed", "listed", "no match", "did you mean"]
    baidu, huawei, harvard, aerospace = lines
    assert baidu["name"] == "Baidu, Inc." and isinstance(baidu["entity_id"], int)
    assert "DoD 1260H since" in baidu["detail"]
    assert huawei["name"].startswith("Huawei") and huawei["candidates"] == []
    assert harvard["entity_id"] is None and harvard["name"] is None
    assert len(aerospace["candidates"]) >= 2
    assert {"id", "name", "score", "matched_on", "how"} <= set(aerospace["candidates"][0])
    assert aerospace["candidates"][0]["name"] in aerospace["detail"]


def test_check_answers_one_line_per_name_in_order(
    db_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "partners.txt"
    names.write_text("Baidu\nHarvard University\n\nHikvison\n", encoding="utf-8")
    assert main(["check", str(names), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["query"] for r in rows] == ["Baidu", "Harvard University", "Hikvison"]
    assert [r["status"] for r in rows] == ["match", "none", "match"]


def test_first_run_announces_itself_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert main(["ask", "Baidu"]) == 0
    captured = capsys.readouterr()
    assert "Creating the registry" in captured.err
    assert "Baidu, Inc." in captured.out


def test_missing_slack_settings_fail_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "never-made.sqlite3"
    monkeypatch.setenv("MCF_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["serve"]) == 2
    assert "SLACK_SIGNING_SECRET is missing" in capsys.readouterr().err
    assert not database.exists()  # failed before opening (or creating) the registry


def test_db_init_and_upgrade_for_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import func, select

    from registry.db import unit_of_work
    from registry.models import Entity

    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    monkeypatch.setenv("MCF_DATABASE_URL", url)
    assert main(["db", "init", "--empty"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "Schema at" in capsys.readouterr().err
    registry = Registry.connect(url)
    with unit_of_work(registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Entity)) == 0
    registry.engine.dispose()


async def test_operators_manage_subscriptions_and_run_one_alert_pass(
    db_env: None,
    bundled_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_slack: FakeSlack,
) -> None:
    import asyncio

    from registry.db import unit_of_work
    from registry.importers import run_import

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    assert main(["subscriptions", "add", "--channel", "COPS"]) == 0
    assert main(["subscriptions", "list"]) == 0
    assert "slack\tCOPS\tall" in capsys.readouterr().out
    # Nothing new since subscribing: nothing is sent.
    assert await asyncio.to_thread(main, ["alerts", "run", "--once"]) == 0
    assert "sent 0" in capsys.readouterr().out
    # A new file lands (the curated data under a new source) and is told once.
    extra = Path(str(bundled_registry.engine.url.database)).with_name("extra.yaml")
    extra.write_text(
        "sources:\n  s:\n    title: T\n    publisher: P\n    url: https://example.org/t\n"
        "entities:\n  - key: new-test-org\n    kind: company\n"
        '    name: "Baidu Test Copy Ltd."\n',
        encoding="utf-8",
    )
    with unit_of_work(bundled_registry.sessions) as session:
        run_import(session, "curated", [extra])
    assert await asyncio.to_thread(main, ["alerts", "run", "--once"]) == 0
    assert "sent 1" in capsys.readouterr().out
    assert "Baidu Test Copy Ltd." in str(fake_slack.channels["COPS"])
    assert await asyncio.to_thread(main, ["alerts", "run", "--once"]) == 0
    assert "sent 0" in capsys.readouterr().out
    assert main(["subscriptions", "remove", "--channel", "COPS"]) == 0


def test_db_duplicates_prints_what_is_left_each_with_its_decision(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "duplicates", "--strict"]) == 0
    captured = capsys.readouterr()
    pairs = [line for line in captured.out.splitlines() if line.startswith("[")]
    assert pairs and "UNDECIDED" not in captured.out
    assert captured.out.count("decided: ") == len(pairs)
    assert ", 0 undecided" in captured.err


def test_db_merges_explains_and_unmerge_undoes(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "merges", "SpaceSat"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert "China SpaceSat Co., Ltd." in line and "same name 'china spacesat'" in line
    merge_id = int(line.split()[0].lstrip("#"))
    assert main(["db", "unmerge", str(merge_id)]) == 0
    assert "is its own entity again" in capsys.readouterr().err
    assert main(["db", "merges", "SpaceSat"]) == 0
    assert "(undone)" in capsys.readouterr().out


def test_the_verdict_comes_first_in_every_front_end(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", "Hikvision"]) == 0
    answer = json.loads(capsys.readouterr().out)
    verdict = answer["match"]["verdict"]
    assert verdict["level"] == "listed" and verdict == answer["verdict"]
    assert {d["list"] for d in verdict["lists"]} >= {"us-1260h"}
    assert main(["ask", "Hikvision"]) == 0
    assert verdict["text"] in capsys.readouterr().out.splitlines()[:3]


@pytest.mark.parametrize("name", ["Hikvision", "Huawei", "Baidu", "AVIC", "CETC"])
def test_a_card_is_at_most_30_lines_and_full_shows_every_tie(
    db_env: None, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["ask", "--json", name]) == 0
    ties = json.loads(capsys.readouterr().out)["match"]["relationships"]
    assert main(["ask", name]) == 0
    short = capsys.readouterr().out.splitlines()
    assert len(short) <= 30
    assert main(["ask", "--full", name]) == 0
    full = capsys.readouterr().out
    for tie in ties:
        assert f"{tie['sentence']} {tie['other']['name']}" in full


def test_check_json_lines_carry_the_verdict(
    db_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "partners.txt"
    names.write_text("Harvard University\nHikvison\nChina Aerospace\n", encoding="utf-8")
    assert main(["check", str(names), "--json"]) == 0
    harvard, hikvision, unclear = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert harvard["verdict"]["level"] == "no_match"
    assert "not evidence that it is unlisted" in harvard["verdict"]["text"]
    assert "Lists checked: Entity List 2025-11-08" in harvard["verdict"]["text"]
    assert "clear" not in harvard["verdict"]["text"].lower()
    assert hikvision["verdict"]["level"] == "listed"
    assert unclear["verdict"]["level"] == "did_you_mean"
