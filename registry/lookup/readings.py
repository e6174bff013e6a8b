"""Pinyin readings of names, kept beside an embedded (SQLite) registry between runs.

Building the name index reads every Chinese name in pinyin, and pypinyin's import (its
phrase dictionary) is the largest single cost of a terminal lookup. The readings depend
only on the name and pypinyin's version, so a file of them, written after a run that
computed new ones, lets the next ``mcf-bot ask`` skip the import. A missing, stale or
unreadable file only means the readings are computed again.
"""

from __future__ import annotations

import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from registry.lookup import normalize


def _version() -> str:
    try:
        return metadata.version("pypinyin")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "unknown"


def load(path: Path) -> int:
    """Remember the readings stored at ``path``; how many there were."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if not isinstance(data, dict) or data.get("pypinyin") != _version():
        return 0
    readings = data.get("readings")
    if not isinstance(readings, dict):
        return 0
    normalize.READINGS.update(
        (k, v) for k, v in readings.items() if isinstance(k, str) and isinstance(v, str)
    )
    return len(readings)


def save(path: Path, known: int) -> bool:
    """Write the readings if more are known than the ``known`` loaded; atomically."""
    if len(normalize.READINGS) <= known:
        return False
    data = {"pypinyin": _version(), "readings": normalize.READINGS}
    try:
        fd, tmp = tempfile.mkstemp(prefix=".readings-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        return False  # a read-only data directory: next run computes them again
    return True
