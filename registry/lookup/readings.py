"""Names already read (pinyin readings, Latin tokens), kept beside a saved name index
for its next rebuild.

Building the name index reads every name: Chinese names in pinyin (pypinyin's import,
its phrase dictionary, is a large part of a build) and Latin names through our own tables
and anyascii. What a name reads as depends only on the name, the code of
``registry.names`` and the versions of the libraries it calls, so a file of
readings, written after a build, lets the next build skip that work. A missing, stale or
unreadable file only means the names are read again.

Only a build reads the file (``kept``): a process that opens the saved index never decodes
it, since it holds every name of the registry and would make start-up grow with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path

from registry.names import normalize

_LIBRARIES = ("pypinyin", "anyascii", "opencc-python-reimplemented")


def sources() -> list[Path]:
    """The code a name's reading depends on: ``registry.names``, whose modules hold the
    rules that ``normalize`` applies (legal forms, abbreviations, generic words)."""
    return sorted(Path(normalize.__file__).parent.glob("*.py"))


@cache
def _version() -> str:
    """What the readings depend on: the code of ``registry.names`` and the versions of
    the libraries it calls."""
    code = hashlib.sha256(b"".join(path.read_bytes() for path in sources()))
    parts = [code.hexdigest()[:16]]
    for name in _LIBRARIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    return ";".join(parts)


def load(path: Path) -> int:
    """Remember the names read at ``path`` (and record new ones); how many there were."""
    normalize.RECORDING = True
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if not isinstance(data, dict) or data.get("version") != _version():
        return 0
    readings, tokens = data.get("readings"), data.get("tokens")
    if not isinstance(readings, dict) or not isinstance(tokens, dict):
        return 0
    normalize.READINGS.update(
        (k, v) for k, v in readings.items() if isinstance(k, str) and isinstance(v, str)
    )
    normalize.TOKENS.update(
        (k, tuple(v)) for k, v in tokens.items() if isinstance(k, str) and isinstance(v, list)
    )
    return _count()


def _count() -> int:
    return len(normalize.READINGS) + len(normalize.TOKENS)


def save(path: Path, known: int) -> bool:
    """Write the names read if more are known than the ``known`` loaded; atomically."""
    if _count() <= known:
        return False
    data = {"version": _version(), "readings": normalize.READINGS, "tokens": normalize.TOKENS}
    try:
        fd, tmp = tempfile.mkstemp(prefix=".readings-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        return False  # a read-only data directory: the next run reads the names again
    return True


@contextmanager
def kept(path: Path) -> Iterator[None]:
    """Names read while inside are recorded, and the file at ``path`` updated with them;
    afterwards nothing is recorded and nothing kept in memory (a server that rebuilt its
    index would otherwise record every query it is asked)."""
    known = load(path)
    try:
        yield
        save(path, known)
    finally:
        normalize.RECORDING = False
        normalize.READINGS.clear()
        normalize.TOKENS.clear()
