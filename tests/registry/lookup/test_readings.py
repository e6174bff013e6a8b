"""Names read once and kept between runs: the same index either way, stale files ignored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.db import unit_of_work
from registry.lookup import NameIndex, readings
from registry.names import normalize
from registry.service import Registry


@pytest.fixture
def fresh() -> Iterator[None]:
    """No name read yet in this process (as in a new ``mcf-bot ask``)."""

    def reset() -> None:
        normalize.READINGS.clear()
        normalize.TOKENS.clear()
        normalize.latin_tokens.cache_clear()
        normalize.RECORDING = False

    reset()
    yield
    reset()


def test_names_read_then_loaded_give_the_same_answers(
    bundled_registry: Registry, tmp_path: Path, fresh: None
) -> None:
    path = tmp_path / "registry.sqlite3.readings.json"
    assert readings.load(path) == 0  # none yet: names read from now on are recorded
    with unit_of_work(bundled_registry.sessions) as session:
        computed = NameIndex.build(session)
    assert readings.save(path, 0)
    stored = dict(normalize.READINGS), dict(normalize.TOKENS)
    assert len(stored[0]) > 100 and len(stored[1]) > 100
    normalize.READINGS.clear()
    normalize.TOKENS.clear()
    normalize.latin_tokens.cache_clear()
    assert readings.load(path) == len(stored[0]) + len(stored[1])
    assert stored == (normalize.READINGS, normalize.TOKENS)
    assert not readings.save(path, readings.load(path))  # nothing new: not rewritten
    with unit_of_work(bundled_registry.sessions) as session:
        loaded = NameIndex.build(session)
    for query in ("beijinghangkonghangtiandaxue", "Qinghua Daxue", "百度", "Hikvison", "Zürich"):
        assert loaded.lookup(query) == computed.lookup(query)


def test_a_stale_or_broken_file_is_ignored(tmp_path: Path, fresh: None) -> None:
    path = tmp_path / "r.json"
    stale = {"version": "old", "readings": {"百度": "x"}, "tokens": {"Baidu": ["x"]}}
    path.write_text(json.dumps(stale), "utf-8")
    assert readings.load(path) == 0 and not normalize.READINGS
    path.write_text("{not json", "utf-8")
    assert readings.load(path) == 0
    assert readings.load(tmp_path / "missing.json") == 0


def test_a_server_keeps_no_copy_of_the_names(bundled_registry: Registry, fresh: None) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        NameIndex.build(session)
    assert not normalize.READINGS and not normalize.TOKENS


def test_the_readings_depend_on_every_module_of_the_name_rules() -> None:
    """A reading changes with the legal forms, abbreviations and generic words as well as
    with ``normalize``: a file kept from before a change to any of them is stale."""
    import registry.names
    from registry.names import abbreviations, generic, legal_forms, normalize

    hashed = set(readings.sources())
    for module in (normalize, legal_forms, abbreviations, generic):
        assert Path(module.__file__ or "") in hashed, module.__name__
    assert all(Path(registry.names.__file__ or "").parent == p.parent for p in hashed)
