"""``mcf-bot sync`` for people: a line per source as it goes, air-gapped copies by
``file://`` URL or plain path, and an unreachable publisher failing in one line per
source, without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings, SettingsError
from registry.service import Registry
from tests.editions import edition_1260h_file


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sync.sqlite3'}"
    Registry.connect(url).init(empty=True)
    return url


@pytest.mark.parametrize("form", ["file-url", "path"])
def test_an_air_gapped_copy_syncs_by_file_url_or_path(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    form: str,
) -> None:
    copy = edition_1260h_file(tmp_path, "2024-01-31")
    url = copy.as_uri() if form == "file-url" else str(copy)
    monkeypatch.setenv("MCF_DATABASE_URL", db_url)
    monkeypatch.setenv("MCF_SYNC_URL_US_1260H", url)
    assert main(["sync", "--once", "--source", "us-1260h"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("us-1260h: changed: imported: ") and "(edition 2024-01-31)" in out
    assert f"us-1260h: fetching {copy.as_uri()}" in err and "us-1260h: importing" in err
    # The same copy again: recognised by its hash.
    assert main(["sync", "--once", "--source", "us-1260h"]) == 0
    assert "unchanged: same content as last import" in capsys.readouterr().out


def test_a_missing_copy_or_an_unknown_scheme_is_refused_at_start(tmp_path: Path) -> None:
    env = {"MCF_DATABASE_URL": "sqlite://"}
    with pytest.raises(SettingsError, match="MCF_SYNC_URL_US_1260H: no such file"):
        Settings.from_env(env | {"MCF_SYNC_URL_US_1260H": f"file://{tmp_path}/none.csv"})
    with pytest.raises(SettingsError, match="a file:// URL or a path"):
        Settings.from_env(env | {"MCF_SYNC_URL_US_1260H": "ftp://mirror/1260h.csv"})


def test_an_unreachable_publisher_fails_in_one_line_per_source(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", db_url)
    # Port 9 on localhost: nothing listens, the connection is refused at once.
    monkeypatch.setenv("MCF_SYNC_URL_US_1260H", "http://127.0.0.1:9/sanctions.csv")
    monkeypatch.setenv("MCF_SYNC_URL_US_1286", "http://127.0.0.1:9/section_1286.csv")
    monkeypatch.setenv("MCF_SYNC_HTTP_MIRRORS", "127.0.0.1")
    monkeypatch.setenv("MCF_SYNC_RETRIES", "0")
    assert main(["sync", "--once", "--source", "us-1260h", "--source", "us-1286"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    failures = [line for line in err.splitlines() if ": failed: " in line]
    assert [f.split(":")[0] for f in failures] == ["us-1260h", "us-1286"]
    assert all("connection failed" in f and "after 1 attempt" in f for f in failures)
    assert "Traceback" not in err
    assert len(err.splitlines()) == 4  # "fetching" and "failed", per source


def test_a_large_download_reports_its_progress_every_few_megabytes() -> None:
    from registry.sync.run import PROGRESS_STEP_BYTES, _progress

    lines: list[str] = []
    advance = _progress(lines.append, "csl", "consolidated.csv")
    total = 17_000_000
    for done in range(0, total + 1, 64 * 1024):
        advance(done, total)
    assert len(lines) == total // PROGRESS_STEP_BYTES
    assert lines[0] == "csl: consolidated.csv 4 of 17 MB"
