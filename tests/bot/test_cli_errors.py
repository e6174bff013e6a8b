"""Ordinary mistakes get one line naming what to change, and an exit status a script can
test (2: an argument or setting to change; 1: something failed at run time), never a
traceback. Each case runs `main()` as the console script does."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from registry.service import Registry
from tests.conftest import ROOT


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mcf-bot: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("0.0.0.0", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_a_port_in_use_names_mcf_port(
    db_env: None,
    taken_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MCF_PORT", str(taken_port))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    assert main(["serve"]) == 1
    line = _one_line(capsys)
    assert f"port {taken_port} is already in use" in line and "set MCF_PORT" in line
    assert "listening" not in line


def test_a_port_in_use_as_a_real_process_prints_no_traceback(
    bundled_registry: Registry, taken_port: int
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path(str(bundled_registry.engine.url.database)).parent),
        "MCF_DATABASE_URL": str(bundled_registry.engine.url),
        "MCF_PORT": str(taken_port),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
    }
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"mcf-bot: port {taken_port} is already in use (Address already in use): stop the "
        "other server or set MCF_PORT to a free port"
    ]


def test_an_unknown_merge_id(db_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "unmerge", "999999"]) == 2
    assert "there is no merge #999999: `mcf-bot db merges` lists them" in _one_line(capsys)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/srv/mcf/registry.sqlite3", "not a path: for a SQLite file set it to sqlite:////srv/"),
        ("registry.db", "not a path: for a SQLite file set it to sqlite:///"),
        ("garbage", "MCF_DATABASE_URL is not a database URL ('garbage')"),
        ("postgresql:/db.internal/mcf", "MCF_DATABASE_URL is not a database URL"),
        ("mysql://db/mcf", "unsupported database 'mysql'"),
    ],
)
def test_a_malformed_database_url(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", url)
    assert main(["ask", "Baidu"]) == 2
    line = _one_line(capsys)
    assert says in line and "MCF_DATABASE_URL" in line


def test_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MCF_DATABASE_URL", f"postgresql://bot:hunter2@127.0.0.1:{port}/mcf")
    assert main(["ask", "Baidu"]) == 1
    line = _one_line(capsys)
    assert f"cannot use the database postgresql://bot:***@127.0.0.1:{port}/mcf" in line
    assert "check MCF_DATABASE_URL and that the database server is running" in line
    assert "hunter2" not in line


@pytest.mark.parametrize("argv", [["check", "{missing}"], ["import", "us-1260h", "{missing}"]])
def test_a_missing_file(
    argv: list[str], db_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "partners.txt"
    assert main([a.format(missing=missing) for a in argv]) == 2
    assert f"cannot read {missing}: No such file or directory" in _one_line(capsys)


@pytest.mark.parametrize("argv", [["check", "{folder}"], ["import", "us-1260h", "{folder}"]])
def test_an_unreadable_file(
    argv: list[str], db_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([a.format(folder=tmp_path) for a in argv]) == 2
    assert f"cannot read {tmp_path}: Is a directory" in _one_line(capsys)


def test_an_unknown_list_id_for_a_subscription(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscriptions", "add", "--channel", "COPS", "--list", "us-9999"]) == 2
    line = _one_line(capsys)
    assert "There is no list called us-9999. Lists: " in line and "us-1260h" in line


def test_an_unknown_list_id_for_sync(db_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--once", "--source", "us-9999"]) == 2
    line = _one_line(capsys)
    assert "no sync source 'us-9999'" in line and "known: " in line


def test_serve_without_any_platform(db_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 2
    line = _one_line(capsys)
    assert "no chat platform is configured: set SLACK_BOT_TOKEN" in line


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-test"}, "SLACK_SIGNING_SECRET is missing"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is missing"),
        (
            {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": "app"},
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET is missing",
        ),
    ],
)
def test_serve_with_half_a_platform(
    env: dict[str, str],
    says: str,
    db_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    assert says in _one_line(capsys)


def test_check_with_a_terminal_on_stdin_says_how_to_use_it(
    db_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    assert main(["check"]) == 2
    line = _one_line(capsys)
    assert "check needs names, one per line: `mcf-bot check partners.txt`" in line
