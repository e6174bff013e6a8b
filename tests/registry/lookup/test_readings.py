"""Pinyin readings kept between runs: the same index either way, stale files ignored."""

from __future__ import annotations

import json
from pathlib import Path

from registry.db import unit_of_work
from registry.lookup import NameIndex, normalize, readings
from registry.service import Registry


def test_readings_saved_then_loaded_give_the_same_answers(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    path = tmp_path / "registry.sqlite3.readings.json"
    normalize.READINGS.clear()
    with unit_of_work(bundled_registry.sessions) as session:
        computed = NameIndex.build(session)
    assert readings.save(path, 0)
    stored = dict(normalize.READINGS)
    normalize.READINGS.clear()
    assert readings.load(path) == len(stored) > 100
    assert stored == normalize.READINGS
    assert not readings.save(path, len(stored))  # nothing new: not rewritten
    with unit_of_work(bundled_registry.sessions) as session:
        loaded = NameIndex.build(session)
    for query in ("beijinghangkonghangtiandaxue", "Qinghua Daxue", "百度", "Hikvison"):
        assert loaded.lookup(query) == computed.lookup(query)


def test_a_stale_or_broken_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"pypinyin": "0.0.0", "readings": {"百度": "x"}}), "utf-8")
    assert readings.load(path) == 0
    path.write_text("{not json", "utf-8")
    assert readings.load(path) == 0
    assert readings.load(tmp_path / "missing.json") == 0
