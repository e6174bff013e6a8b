"""The saved name index: opened by a new process instead of rebuilt, brought up to date
from the change log, rebuilt (with a line on stderr) when missing, corrupt, of another
format version or of another registry."""

from __future__ import annotations

import json
import mmap
import os
import subprocess
import sys
import zlib
from array import array
from pathlib import Path

import numpy as np
import pytest

from registry import store
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.lookup.index import NameIndex
from registry.lookup.saved import (
    FORMAT_VERSION,
    SavedIndex,
    UnusableIndex,
    index_path,
    live_index,
    load,
    save,
)
from registry.service import Registry

ROOT = Path(__file__).resolve().parents[3]


def _path(registry: Registry) -> Path:
    path = index_path(registry.engine.url)
    assert path is not None
    return path


def _open(registry: Registry, messages: list[str]) -> NameIndex:
    with unit_of_work(registry.sessions) as session:
        return SavedIndex(_path(registry), messages.append).open(session)


def _same(a: NameIndex, b: NameIndex) -> None:
    assert [r for r in a.records] == [r for r in b.records]
    for query in ("Baidu", "Beihang Univ", "北京航空航天大学", "Harbin Institute of Technolgy"):
        assert a.lookup(query) == b.lookup(query), query


def test_a_saved_index_opens_as_the_one_it_was_built_from(bundled_registry: Registry) -> None:
    messages: list[str] = []
    built = _open(bundled_registry, messages)
    # A first build is announced as work, not as something wrong.
    assert len(messages) == 1 and messages[0].startswith("Building the name index")
    assert _path(bundled_registry).exists()
    messages.clear()
    opened = _open(bundled_registry, messages)
    assert messages == []
    _same(built, opened)
    assert opened.last_change_id == built.last_change_id


def test_it_follows_the_change_log_from_where_it_was_saved(bundled_registry: Registry) -> None:
    messages: list[str] = []
    _open(bundled_registry, messages)
    with unit_of_work(bundled_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Zyxwv Search Holdings")
    opened = _open(bundled_registry, messages := [])
    assert messages == []
    found = opened.lookup("Zyxwv Search Holdings")
    assert found.status is MatchStatus.MATCH and found.best is not None
    assert found.best.name == "Baidu, Inc."


def _corrupt_body(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-100:] = b"\xff" * 100  # the file's size and header still check
    path.write_bytes(data)


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda p: p.unlink(), "Building the name index"),  # no file: built as at first
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "is corrupt"),
        (lambda p: p.write_bytes(b"\x00" * 4096), "is not a saved name index"),
        (lambda p: p.write_bytes(p.read_bytes()[:10]), "is truncated"),
        (_corrupt_body, "is corrupt"),
    ],
    ids=["deleted", "cut-in-half", "zeroed", "truncated", "overwritten"],
)
def test_a_spoilt_index_is_rebuilt_with_a_line_saying_so(
    bundled_registry: Registry, spoil: object, reason: str
) -> None:
    messages: list[str] = []
    built = _open(bundled_registry, messages)
    spoil(_path(bundled_registry))  # type: ignore[operator]
    messages.clear()
    rebuilt = _open(bundled_registry, messages)
    assert len(messages) == 1 and reason in messages[0]
    assert ("rebuilding it" in messages[0]) == (reason != "Building the name index")
    _same(built, rebuilt)
    messages.clear()
    _open(bundled_registry, messages)  # and saved again, whole
    assert messages == []


def test_the_data_is_checked_whole_once_per_file(
    bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking reads the whole file; the next opens of the same, unchanged file skip it
    (start-up independent of the registry's size), and a changed file is checked again."""
    _open(bundled_registry, [])
    path = _path(bundled_registry)
    checks: list[int] = []
    real = zlib.adler32

    def counted(data: bytes, value: int = 1) -> int:
        checks.append(len(data))
        return real(data, value)

    monkeypatch.setattr(zlib, "adler32", counted)
    load(path)  # just saved: its time could still hide a change, checked each time
    load(path)
    assert len(checks) == 2 and not path.with_name(path.name + ".checked").exists()
    old = path.stat().st_mtime_ns - 10 * 10**9
    os.utime(path, ns=(old, old))
    load(path)
    assert len(checks) == 3
    load(path)
    load(path)
    assert len(checks) == 3  # the same file: not read whole again
    _corrupt_body(path)
    os.utime(path, ns=(old - 10**9, old - 10**9))  # changed, and made to look old
    with pytest.raises(UnusableIndex, match="does not check"):
        load(path)


def test_another_format_version_is_rebuilt(bundled_registry: Registry) -> None:
    _open(bundled_registry, [])
    path = _path(bundled_registry)
    data = path.read_bytes()
    old = json.dumps({"version": FORMAT_VERSION}).encode()[1:-1]
    new = json.dumps({"version": FORMAT_VERSION + 1}).encode()[1:-1]
    assert old in data
    path.write_bytes(data.replace(old, new, 1))  # its header checksum no longer matches
    messages: list[str] = []
    _open(bundled_registry, messages)
    assert len(messages) == 1 and "rebuilding it" in messages[0]


def test_an_index_of_another_registry_is_not_used(
    bundled_registry: Registry, empty_registry: Registry
) -> None:
    _open(bundled_registry, [])
    saved = _path(bundled_registry)
    with unit_of_work(empty_registry.sessions) as session:
        store.entity_by_key(session, "x")  # an empty registry: no changes logged
    os.replace(saved, _path(empty_registry))
    # A registry built anew at the same path has other changes at the same position.
    messages: list[str] = []
    index = _open(empty_registry, messages)
    assert len(messages) == 1 and "rebuilding it" in messages[0]
    assert len(index.records) == 0


def test_the_big_tables_are_memory_mapped(bundled_registry: Registry) -> None:
    _open(bundled_registry, [])
    index, _ = load(_path(bundled_registry))
    keys, _vals = index.postings.arrays()
    # A plain ndarray (reads through np.memmap objects are slower) over the file's
    # mapping: the chain of bases ends at the memmap, not at a copy in memory.
    bases = []
    at: object = keys
    while at is not None:
        bases.append(at)
        at = getattr(at, "base", None)
    assert type(keys) is np.ndarray
    assert any(isinstance(b, np.memmap | mmap.mmap) for b in bases)
    # So are the names' number columns (read in place, not copied at every start), until
    # the index first changes.
    columns = (index._entity, index._how, index._weak, index._tok_start, index._tok_data)
    for column in (*columns, index._df, index._generic):
        assert isinstance(column, memoryview) and column.readonly
    index.add_name(1, "Zyxwv Holdings", "name")
    assert isinstance(index._tok_data, array) and index.lookup("Zyxwv Holdings").best


@pytest.fixture
def curated_registry(empty_registry: Registry) -> Registry:
    """A small registry (the curated file only): quick to build in a new test process."""
    from registry.importers import run_import

    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [ROOT / "data" / "curated" / "diplomat-2021.yaml"])
    return empty_registry


# The curated case is the one tests/test_isolation.py runs again in a new pytest process:
# it needs no bundled registry, whose build there would double that test's time.
@pytest.mark.parametrize("which", ["bundled_registry", "curated_registry"])
def test_a_new_process_opens_the_index_without_rebuilding(
    which: str, request: pytest.FixtureRequest
) -> None:
    registry: Registry = request.getfixturevalue(which)
    env = dict(os.environ, MCF_DATABASE_URL=str(registry.engine.url))
    ask = [sys.executable, "-m", "bot.cli", "ask", "Baidu"]
    first = subprocess.run(ask, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    # A first build is not reported as something wrong ("missing: rebuilding").
    assert "Building the name index" in first.stderr and "Baidu, Inc." in first.stdout
    assert "rebuilding" not in first.stderr and "missing" not in first.stderr
    second = subprocess.run(ask, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "rebuilding" not in second.stderr and "Baidu, Inc." in second.stdout
    _path(registry).write_bytes(b"garbage")
    third = subprocess.run(ask, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert third.stderr.count("rebuilding it") == 1 and "Baidu, Inc." in third.stdout


def test_a_server_database_saves_only_with_a_cache_directory(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url("postgresql+psycopg://bot:secret@db.internal/mcf")
    assert index_path(url) is None
    path = index_path(url, tmp_path)
    assert path is not None and path.parent == tmp_path and "secret" not in path.name
    assert index_path(make_url("sqlite://")) is None
    assert live_index(make_url("sqlite://")) is not None


def test_an_opened_index_refreshes_compacts_and_saves_again(bundled_registry: Registry) -> None:
    built = _open(bundled_registry, [])
    with unit_of_work(bundled_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Zyxwv Search Holdings")
    opened = _open(bundled_registry, [])
    assert opened.dead  # Baidu's old names retired in place
    compact = opened.compacted()
    assert not compact.dead and len(compact.records) == len(built.records) + 1
    for index in (opened, compact):
        found = index.lookup("Zyxwv Search Holdings")
        assert found.best is not None and found.best.name == "Baidu, Inc."
        assert index.entity_name(found.best.entity_id) == "Baidu, Inc."
    with unit_of_work(bundled_registry.sessions) as session:
        save(compact, _path(bundled_registry), session)
    again, _ = load(_path(bundled_registry))
    _same(compact, again)


def _replace(path: Path, data: bytes) -> None:
    """Put another file at ``path`` the way the index is saved: a new file renamed over."""
    new = path.with_name(path.name + ".new")
    new.write_bytes(data)
    os.replace(new, path)


def test_a_live_index_moves_to_a_file_renamed_over_its_own(bundled_registry: Registry) -> None:
    """Another process saves a newer index: this one reopens it at its next look at the
    change log, and goes on answering from the old mapping until then; a replacement it
    cannot use is said once and the index in use stays."""
    _open(bundled_registry, [])
    path = _path(bundled_registry)
    messages: list[str] = []
    live = live_index(bundled_registry.engine.url, announce=messages.append)
    with unit_of_work(bundled_registry.sessions) as session:
        first = live.current(session)
        assert live.current(session) is first and messages == []
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Zyxwv Search Holdings")
    with unit_of_work(bundled_registry.sessions) as session:
        save(NameIndex.build(session), path, session)  # "another process" saves anew
    with unit_of_work(bundled_registry.sessions) as session:
        reopened = live.current(session)
    assert reopened is not first
    assert messages == [f"mcf-bot: the saved name index {path} was replaced: reopened it"]
    assert reopened.last_change_id == first.last_change_id + 1
    found = reopened.lookup("Zyxwv Search Holdings")
    assert found.best is not None and found.best.name == "Baidu, Inc."
    # The old index still reads its (now unlinked) file: its mapping was kept.
    assert first.lookup("Baidu").best is not None
    messages.clear()
    _replace(path, b"garbage")
    with unit_of_work(bundled_registry.sessions) as session:
        assert live.current(session) is reopened
        assert live.current(session) is reopened
        assert live.lookup(session, "Baidu").best is not None
    assert len(messages) == 1 and "was replaced by one that is" in messages[0]
    assert "the index in use stays" in messages[0]
