"""The test suite keeps out of the user's environment: a run with the user's own
``MCF_INDEX_DIR`` and ``MCF_DATABASE_URL`` set passes and leaves their folder as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# Tests that open the registry, save a name index and start `mcf-bot` processes: each
# would use (or fill) the user's folder if their settings leaked in. Neither needs the
# bundled registry (a build of some 100 s on a shared CI machine).
SUBSET = (
    "tests/registry/lookup/test_saved.py::test_a_new_process_opens_the_index_without_rebuilding[curated_registry]",
    "tests/bot/test_cli.py::test_missing_slack_settings_fail_fast",
)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def test_a_run_with_the_users_settings_passes_and_leaves_their_folder_alone(
    tmp_path: Path,
) -> None:
    users = tmp_path / "users-mcf"
    users.mkdir()
    (users / "notes.txt").write_text("the user's own file\n", encoding="utf-8")
    before = _snapshot(users)
    env = dict(
        os.environ,
        MCF_INDEX_DIR=str(users),
        MCF_DATABASE_URL=f"sqlite:///{users / 'registry.sqlite3'}",
        SLACK_SIGNING_SECRET="the-users-own-secret",
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,  # a shared CI machine builds the bundled registry slowly
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout
    assert _snapshot(users) == before
