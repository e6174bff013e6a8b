"""``mcf-bot sync --once`` beside a running pass: it did nothing, and says so on stderr
with an exit status of its own (3), never as a silent success."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.cli_sync import EXIT_SKIPPED
from registry.service import Registry
from registry.sync.run import SKIPPED_MESSAGE, pass_lock
from tests.editions import edition_1260h_file


def test_a_pass_that_finds_the_lock_taken_says_so_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'sync.sqlite3'}"
    registry = Registry.connect(url)
    registry.init(empty=True)
    monkeypatch.setenv("MCF_DATABASE_URL", url)
    monkeypatch.setenv("MCF_SYNC_URL_US_1260H", edition_1260h_file(tmp_path, "2024-01-31").as_uri())
    with pass_lock(registry) as held:  # another pass, running now
        assert held
        assert main(["sync", "--once", "--source", "us-1260h"]) == EXIT_SKIPPED != 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f"us-1260h: skipped: {SKIPPED_MESSAGE}" in err
    # Once that pass is over, the same command syncs.
    assert main(["sync", "--once", "--source", "us-1260h"]) == 0
    assert capsys.readouterr().out.startswith("us-1260h: changed: ")
    registry.engine.dispose()
