"""The registry that ships with mcf-bot: which files under ``data/`` build it, in order.

Curated data goes first so that the public lists merge into its entities, which carry
Chinese names and hand-checked ties.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from registry.importers import run_import
from registry.importers.result import ImportResult

BUNDLE: list[tuple[str, list[str]]] = [
    ("curated", ["curated/diplomat-2021.yaml"]),
    ("us-1260h", ["lists/us_dod_1260h.csv"]),
    # The alternate-names file cons_alt.csv is read from beside the primary file.
    ("ofac-cons", ["lists/ofac/cons_prim.csv"]),
    ("csl", ["lists/csl/consolidated_older_header.csv", "lists/csl/consolidated.csv"]),
    ("unitracker", ["unitracker/china-defence-universities.json"]),
    # Sourced Chinese names join the entities the lists made, so they load after them.
    ("native-names", ["native_names/native_names.csv"]),
]


def data_dir() -> Path:
    """``registry/_bundled`` in an installed wheel, ``data/`` in a source checkout."""
    packaged = Path(__file__).parent / "_bundled"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


def load_bundle(session: Session, root: Path | None = None) -> list[ImportResult]:
    root = root or data_dir()
    results: list[ImportResult] = []
    for source, files in BUNDLE:
        results += run_import(session, source, [root / f for f in files])
    return results
