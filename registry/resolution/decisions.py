"""Reviewed decisions: ``data/resolution/decisions.yaml``, merge or keep apart, with a
reason. The path comes from the leaf ``registry.paths`` (no import of the bundle).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry import yaml_data
from registry.errors import BadImportError
from registry.paths import data_dir

MERGE = "merge"
KEEP_APART = "keep apart"


@dataclass(frozen=True)
class Decision:
    names: tuple[str, str]
    decision: str  # MERGE | KEEP_APART
    reason: str
    line: int = 0


def default_decisions_path() -> Path:
    return data_dir() / "resolution" / "decisions.yaml"


def load_decisions(path: Path | None = None) -> list[Decision]:
    """The operator's reviewed decisions; a missing file is no decisions."""
    path = path or default_decisions_path()
    if not path.is_file():
        return []
    try:
        doc = yaml_data.load(path.read_text(encoding="utf-8")) or {}
    except yaml_data.YAMLError as exc:
        raise BadImportError(f"not YAML ({exc})", file=str(path)) from exc
    out = []
    for n, item in enumerate(doc.get("decisions") or [], start=1):
        where = f"decisions[{n}]"
        names = item.get("names") if isinstance(item, dict) else None
        decision = item.get("decision") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        if not (isinstance(names, list) and len(names) == 2 and all(names)):
            raise BadImportError("needs two names", file=str(path), field=f"{where}.names")
        if decision not in (MERGE, KEEP_APART):
            raise BadImportError(
                f"decision must be {MERGE!r} or {KEEP_APART!r}", file=str(path), field=where
            )
        if not reason:
            raise BadImportError("a decision needs a reason", file=str(path), field=where)
        out.append(Decision((str(names[0]), str(names[1])), decision, str(reason), n))
    return out
