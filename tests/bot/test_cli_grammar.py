"""The terminal's grammar: ``ask`` takes its whole text as a name (commands are their
own subcommands); subscription commands speak of the channel they were given and exit
non-zero on errors; ``sync`` says it repeats until stopped."""

from __future__ import annotations

import json

import pytest

from bot import schedule
from bot.cli import main
from registry.service import Registry


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))


@pytest.mark.parametrize(
    "words",
    [
        ["Check", "Point", "Software"],
        ["Check Point Software"],
        ["help"],
        ["subscribe"],
        ["subscriptions"],
        ["watch", "Baidu"],
        ["sources"],
    ],
)
def test_ask_looks_up_the_whole_text_as_one_name(
    words: list[str], db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", *words]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] in {"match", "none", "ambiguous"}, answer
    assert answer["query"] == " ".join(words)


def test_ask_help_is_a_name_not_chat_usage(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "help"]) == 0
    out = capsys.readouterr().out
    assert "/mcf" not in out and "Alerts belong to a channel" not in out


def test_subscriptions_speak_of_the_channel_given_and_fail_with_a_status(
    db_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscriptions", "add", "--channel", "COPS", "--list", "us-1260h"]) == 0
    out = capsys.readouterr().out
    assert "Slack channel COPS will now be told about changes to the" in out
    assert "this channel" not in out.lower()
    assert main(["subscriptions", "list", "--channel", "COPS"]) == 0
    assert "Slack channel COPS gets:" in capsys.readouterr().out
    assert main(["subscriptions", "remove", "--channel", "COPS", "--list", "us-1260h"]) == 0
    capsys.readouterr()
    assert main(["subscriptions", "remove", "--channel", "COPS", "--list", "us-1260h"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "mcf-bot: Slack channel COPS had no such subscription."


def test_an_empty_channel_suggests_the_terminal_command(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscriptions", "list", "--channel", "CNONE"]) == 0
    out = capsys.readouterr().out
    assert "Slack channel CNONE has no alerts" in out
    assert "mcf-bot subscriptions add" in out and "/mcf" not in out


def test_sync_without_once_says_it_repeats_until_stopped(
    db_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[float] = []
    monkeypatch.setattr(
        schedule, "run_forever", lambda _r, settings, _s, **_k: ran.append(settings.sync.interval_s)
    )
    monkeypatch.setenv("MCF_SYNC_INTERVAL", "21600")
    assert main(["sync"]) == 0
    assert ran == [21600]
    err = capsys.readouterr().err
    assert "runs every 6 hours until stopped (Ctrl-C" in err
    assert "mcf-bot sync --once" in err
