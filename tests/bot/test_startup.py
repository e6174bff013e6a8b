"""``mcf-bot ask`` loads only what a lookup needs: no importer, no followthemoney, no
Alembic, no chat SDK and (once the readings are kept) no pypinyin. Speed itself is
measured by ``bench/startup.py``, not here."""

from __future__ import annotations

import os
import subprocess
import sys

from registry.service import Registry

HEAVY = ("followthemoney", "pypinyin", "alembic", "slack_sdk", "slack_bolt", "microsoft_agents")

PROBE = """
import sys
from bot.cli import main
main(["ask", "Baidu"])
loaded = [m for m in sys.modules if m.split(".")[0] in {heavy!r} or
          m.startswith("registry.importers.") and m != "registry.importers.progress"
          and m != "registry.importers.result"]
print("LOADED", sorted(loaded))
"""


def test_ask_imports_no_importer_sdk_or_migration_tool(bundled_registry: Registry) -> None:
    env = os.environ | {"MCF_DATABASE_URL": str(bundled_registry.engine.url)}
    code = PROBE.format(heavy=set(HEAVY))
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)  # the first run writes the readings the second one uses
    ]
    assert "Baidu, Inc." in runs[1]
    assert runs[1].strip().splitlines()[-1] == "LOADED []"
