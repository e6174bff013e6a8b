"""The registry that ships with mcf-bot: which files under ``data/`` build it, in order.

Curated data goes first so that the public lists merge into its entities, which carry
Chinese names and hand-checked ties.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from registry.paths import data_dir

if TYPE_CHECKING:  # importers load only when a registry is built, never for a lookup
    from sqlalchemy.orm import Session

    from registry.importers.result import ImportResult

__all__ = ["BUNDLE", "data_dir", "load_bundle"]

BUNDLE: list[tuple[str, list[str]]] = [
    ("curated", ["curated/diplomat-2021.yaml"]),
    ("us-1260h", ["lists/us_dod_1260h.csv"]),
    # The alternate-names file cons_alt.csv is read from beside the primary file.
    ("ofac-cons", ["lists/ofac/cons_prim.csv"]),
    ("unitracker", ["unitracker/china-defence-universities.json"]),
    # After the tracker, whose entities carry Chinese names for the universities and
    # institutes these lists name. Two whole editions, oldest first: the 2025 Entity List
    # closes the periods of the parties it no longer holds, so the change log holds the
    # real additions and removals between them.
    (
        "csl",
        ["lists/csl/consolidated-2022-04.csv.gz", "lists/csl/entity-list-2025-11-08.json.gz"],
    ),
    ("us-mieu", ["lists/bis/us_bis_mieu.csv"]),
    # Statute and DoD lists join the entities above by name.
    ("us-1286", ["statutes/us_dod_1286.csv"]),
    (
        "us-ndaa",
        ["statutes/us_ndaa_889.csv", "statutes/us_ndaa_5949.csv", "statutes/us_ndaa_154.csv"],
    ),
    ("fcc-covered", ["statutes/us_fcc_covered_list.csv"]),
    ("eu-annex-iv", ["eu/eu_reg_833_2014_annex_iv.csv"]),
    # Ratings join the tracker's institutions by page URL: after unitracker.
    ("aspi-risk", ["aspi-risk/china-defence-universities.2020-08-21.ratings.json"]),
    # Sourced Chinese names join the entities the lists made, so they load after them.
    ("native-names", ["native_names/native_names.csv"]),
    # Ties last, so that their organisations (named in Chinese) are found among the
    # listed ones and their sourced Chinese names.
    ("cset-pla-supply", ["cset/harnessed_lightning_pla_procurement_2020.csv"]),
    ("cset-bgi", ["cset/bgi_entity_list.csv"]),
]


def load_bundle(
    session: Session, root: Path | None = None, step: Callable[[str], None] | None = None
) -> list[ImportResult]:
    """Import the bundled files; ``step`` hears of each source as it starts (the first
    run takes tens of seconds, and a person watching should see it move)."""
    from registry.importers import run_import

    root = root or data_dir()
    results: list[ImportResult] = []
    for number, (source, files) in enumerate(BUNDLE, 1):
        if step is not None:
            step(f"loading {source} ({number}/{len(BUNDLE)})")
        results += run_import(session, source, [root / f for f in files])
    return results
