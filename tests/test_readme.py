"""The README cannot go stale: every command in its shell blocks is run (or, for the
commands that serve until stopped, checked against the settings the block gives), every
example output is compared with what the command prints today, and every command of its
reference table exists. The install lines are run by CI and scripts/container-check.

After a change to the bundled data or the card wording, rewrite the example outputs with
``python -m tests.test_readme --write`` and read the diff.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest

from bot.cli import main, parser
from bot.settings import Settings
from registry.service import Registry
from tests.conftest import ROOT
from tests.publisher import Publisher

README = ROOT / "README.md"
MAX_LINES = 250
_BLOCK = re.compile(
    r"(?:<!-- output of: (?P<command>.+?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S
)
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
# Commands that serve until stopped: the test checks that they parse and that the settings
# their block gives are accepted (serve itself runs in tests/bot/test_serve_process.py and
# tests/bot/test_socket_mode.py).
_UNTIL_STOPPED = {"serve"}


@dataclass
class Command:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None


@dataclass
class Output:
    command: str
    expected: str


def _lines(body: str) -> Iterator[str]:
    joined = body.replace("\\\n", " ")
    yield from (line.strip() for line in joined.splitlines() if line.strip())


def blocks(text: str) -> tuple[list[Command], list[str], list[Output]]:
    """The README's mcf-bot commands, its other shell lines, and its example outputs."""
    commands: list[Command] = []
    others: list[str] = []
    outputs: list[Output] = []
    for match in _BLOCK.finditer(text):
        if match["command"]:
            outputs.append(Output(match["command"], match["body"].rstrip("\n")))
            continue
        if match["lang"] != "sh":
            continue
        env: dict[str, str] = {}  # `export` lines hold for the rest of their block
        for line in _lines(match["body"]):
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] == "export":
                env.update(dict(w.split("=", 1) for w in words[1:]))
                continue
            local = dict(env)
            while words and _ASSIGNMENT.match(words[0]):
                name, value = words.pop(0).split("=", 1)
                local[name] = value
            if not words or words[0] != "mcf-bot":
                others.append(line)
                continue
            stdin = None
            if "<" in words:
                at = words.index("<")
                stdin, words = words[at + 1], words[:at]
            commands.append(Command(words[1:], local, stdin))
    return commands, others, outputs


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the README's commands run: its partners.txt (the names of the check
    example's first column) and the source tree's data/ folder."""
    _, _, outputs = blocks(README.read_text(encoding="utf-8"))
    check = next(o for o in outputs if o.command.startswith("mcf-bot check"))
    names = [line.split("\t", 1)[0] for line in check.expected.splitlines() if "\t" in line]
    (tmp_path / "partners.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    # The same names as a partner spreadsheet and CSV (the records examples).
    (tmp_path / "partners.csv").write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for name in ["name", *names]:
        sheet.append([name])
    book.save(tmp_path / "partners.xlsx")
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(command: Command) -> tuple[int, str]:
    out = StringIO()
    with _environment(command.env), redirect_stdout(out):
        if command.stdin is None:
            status = main(command.argv)
        else:
            stdin = sys.stdin
            with open(command.stdin, encoding="utf-8") as sys.stdin:
                try:
                    status = main(command.argv)
                finally:
                    sys.stdin = stdin
    return status, out.getvalue()


def test_the_readme_leads_and_stays_short() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < MAX_LINES
    headings = [h for h in re.findall(r"^## (.+)$", text, re.M)]
    order = ["Reading a card", "Slack", "Microsoft Teams", "Keeping the lists current"]
    order += ["Deploying", "Data and licences", "Reference"]
    assert [h for h in headings if h in order] == order
    slack = text[text.index("## Slack") : text.index("## Microsoft Teams")]
    assert slack.index("Socket Mode") < slack.index("Over HTTP") and "**Retry**" in slack
    assert "non-commercial" in text[: text.index("## Reference")].lower()
    for link in re.findall(r"\]\(((?!https?:)[^)#]+)", text):
        assert (ROOT / link).exists(), link


def test_every_mcf_bot_command_in_the_readme_runs(
    bundled_registry: Registry, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    commands, _, _ = blocks(README.read_text(encoding="utf-8"))
    assert len(commands) >= 10
    publisher = Publisher()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(publisher.start())
    publisher.publish("1260h.csv", (ROOT / "data/lists/us_dod_1260h.csv").read_bytes())
    # The sync example fetches from a local stand-in of the publisher, never the internet.
    monkeypatch.setenv("MCF_SYNC_URL_US_1260H", publisher.url("1260h.csv"))
    monkeypatch.setenv("MCF_SYNC_HTTP_MIRRORS", "127.0.0.1")
    thread = _serve_in_background(loop)
    try:
        for command in commands:
            if command.argv[0] in _UNTIL_STOPPED or command.argv == ["sync"]:
                parser().parse_args(command.argv)
                with _environment(command.env):
                    Settings.from_env().require_platform()
                continue
            status, _ = run(command)
            # --fail-on: exit 1 when a row has such a verdict, as the README says.
            assert status == (1 if "--fail-on" in command.argv else 0), command
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.run_until_complete(publisher.stop())
        loop.close()


def _serve_in_background(loop: asyncio.AbstractEventLoop) -> threading.Thread:
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    return thread


def test_the_other_shell_lines_are_install_or_container_commands() -> None:
    """Lines the test above does not run: each is run by CI or a check script."""
    _, others, _ = blocks(README.read_text(encoding="utf-8"))
    for line in others:
        if line.startswith("python3 -m venv"):
            continue  # .ci/run and scripts/container-check (the `# 1.` line)
        assert line.startswith("docker "), line  # scripts/compose-check, container-check
        for path in re.findall(r"-f (\S+)", line):
            assert (ROOT / path).is_file(), path


def test_the_example_outputs_are_what_the_commands_print(
    bundled_registry: Registry, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    _, _, outputs = blocks(README.read_text(encoding="utf-8"))
    assert len(outputs) >= 2
    for output in outputs:
        status, printed = run(Command(shlex.split(output.command)[1:]))
        assert status == 0
        assert printed.rstrip("\n") == output.expected, (
            f"README's output of `{output.command}` is stale: python -m tests.test_readme --write"
        )


@pytest.mark.parametrize(
    "row", re.findall(r"^\| `(mcf-bot [^`]+)` \|", README.read_text(encoding="utf-8"), re.M)
)
def test_every_command_of_the_reference_table_exists(row: str) -> None:
    words = [w for w in row.split()[1:] if w.islower() and not w.startswith(("[", "-"))]
    with pytest.raises(SystemExit) as exited, redirect_stdout(StringIO()):
        parser().parse_args([*words, "--help"])
    assert exited.value.code == 0, row


def write() -> None:
    """Rewrite the README's example outputs from what the commands print today (run from
    the source tree, against a fresh bundled registry in a temporary folder)."""
    import tempfile

    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MCF_DATABASE_URL"] = f"sqlite:///{folder}/registry.sqlite3"
        _, _, outputs = blocks(text)
        check = next(o for o in outputs if o.command.startswith("mcf-bot check"))
        names = [line.split("\t", 1)[0] for line in check.expected.splitlines() if "\t" in line]
        Path(folder, "partners.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
        os.chdir(folder)
        for output in outputs:
            _, printed = run(Command(shlex.split(output.command)[1:]))
            text = text.replace(
                f"<!-- output of: {output.command} -->\n```text\n{output.expected}\n```",
                f"<!-- output of: {output.command} -->\n```text\n{printed.rstrip()}\n```",
            )
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    write()
