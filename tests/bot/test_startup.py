"""``mcf-bot ask`` loads only what a lookup needs: no importer, no followthemoney, no
Alembic, no chat SDK, no entity resolution run, (once the index is saved) no pypinyin,
and nothing per name of
the registry. Speed itself is measured by ``bench/startup.py``, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import islice, product
from pathlib import Path

from sqlalchemy import insert

from registry.models import Entity
from registry.service import Registry

HEAVY = ("followthemoney", "pypinyin", "alembic", "slack_sdk", "slack_bolt", "microsoft_agents")
# Entity resolution's run over the registry (a lookup reads only its name keys).
RESOLVING = tuple(f"registry.resolution.{m}" for m in ("decide", "merge", "pairs", "reports"))

PROBE = """
import sys
from bot.cli import main
main(["ask", "Baidu"])
loaded = [m for m in sys.modules if m.split(".")[0] in {heavy!r} or
          m.startswith("registry.importers.") and m != "registry.progress"
          and m != "registry.importers.result" or m in {resolving!r}]
print("LOADED", sorted(loaded))
"""


def test_ask_imports_no_importer_sdk_or_migration_tool(bundled_registry: Registry) -> None:
    env = os.environ | {"MCF_DATABASE_URL": str(bundled_registry.engine.url)}
    code = PROBE.format(heavy=set(HEAVY), resolving=set(RESOLVING))
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)  # the first run builds and saves the index the second one opens
    ]
    assert "Baidu, Inc." in runs[1]
    assert runs[1].strip().splitlines()[-1] == "LOADED []"


# Organisations added to the registry: a structure with an entry per name would hold at
# least this many more objects than over the bundled registry alone.
GROWN = 10_000
# Objects an ask may hold beyond those over the bundled registry (answers, caches of the
# query's words): far fewer than one per added name.
SIZE_FREE_OBJECTS = GROWN // 10

STATE = """
import gc
from bot.cli import main
main(["ask", "Baidu"])
from registry.names import normalize
gc.collect()
print("STATE", len(normalize.READINGS), len(normalize.TOKENS), normalize.RECORDING,
      len(gc.get_objects()))
"""


def _grow(registry: Registry, count: int) -> None:
    """``count`` synthetic organisations, each with a Chinese name (read in pinyin)."""
    latin = ("Hua", "Zhong", "Xin", "Tai", "Kang", "Rui", "Feng", "Long", "Sheng", "Jin", "Yuan")
    han = "华中信泰康瑞丰隆盛金源达"
    words = zip(product(latin, repeat=4), product(han, repeat=4), strict=True)
    rows = [
        {
            "key": f"synthetic-{i}",
            "name": f"{''.join(lat)} Precision Technology Co., Ltd.",
            "native_name": f"{''.join(zh)}精密科技有限公司",
        }
        for i, (lat, zh) in enumerate(islice(words, count))
    ]
    with registry.engine.begin() as conn:
        conn.execute(insert(Entity), rows)


def _ask_state(registry: Registry) -> tuple[int, int, bool, int]:
    """Module state after a second ``mcf-bot ask`` (the first builds and saves the index):
    names read, Latin tokens kept, recording on, and objects the process holds."""
    env = os.environ | {"MCF_DATABASE_URL": str(registry.engine.url)}
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", STATE], env=env, capture_output=True, text=True, check=True
        ).stdout
    assert "Baidu, Inc." in out
    readings, tokens, recording, objects = out.strip().splitlines()[-1].split()[1:]
    return int(readings), int(tokens), recording == "True", int(objects)


def test_opening_a_saved_index_reads_nothing_per_name(bundled_path: Path, tmp_path: Path) -> None:
    bundled = Registry.connect(f"sqlite:///{tmp_path / 'bundled.sqlite3'}")
    grown = Registry.connect(f"sqlite:///{tmp_path / 'grown.sqlite3'}")
    for registry in (bundled, grown):
        Path(str(registry.engine.url.database)).write_bytes(bundled_path.read_bytes())
    _grow(grown, GROWN)
    small, large = _ask_state(bundled), _ask_state(grown)
    # No name of the registry is read, or kept to be read, by an ask over a saved index.
    assert large[:3] == small[:3] == (0, 0, False)
    assert abs(large[3] - small[3]) < SIZE_FREE_OBJECTS, (small, large)
    # The build kept what it read for the next rebuild, beside the saved index.
    kept = json.loads((tmp_path / "grown.sqlite3.readings.json").read_text("utf-8"))
    assert len(kept["readings"]) > GROWN
