"""Without the ftm extra, FollowTheMoney import and export say in one line how to get it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.cli import main

HINT = "needs the ftm extra: pip install 'mcf-bot[ftm]'"


@pytest.fixture
def without_followthemoney(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "followthemoney", None)  # import fails as if absent
    # The importer is several modules (registry.importers.ftm_*): each must import anew.
    for module in [m for m in sys.modules if m.startswith("registry.importers.ftm")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.delitem(sys.modules, "registry.export_ftm", raising=False)
    monkeypatch.setenv("MCF_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite3'}")


@pytest.mark.usefixtures("without_followthemoney")
@pytest.mark.parametrize(
    ("argv", "feature"),
    [
        (["import", "ftm", "entities.ftm.json"], "importing FollowTheMoney files"),
        (["export", "ftm", "-o", "-"], "exporting to FollowTheMoney"),
    ],
)
def test_says_which_extra_to_install(
    argv: list[str], feature: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"mcf-bot: {feature} {HINT}"]  # one line, no traceback


@pytest.mark.usefixtures("without_followthemoney")
def test_other_sources_import_without_it(tmp_path: Path) -> None:
    from registry.importers import importer_for

    assert callable(importer_for("us-1260h"))
