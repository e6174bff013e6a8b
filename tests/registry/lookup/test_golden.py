"""The golden set: what people type, against the real bundled registry.

Thresholds are the product's promise: >= 97% of positives answered with the right
organisation first, <= 2% of negatives answered with a confident (wrong) match.
Regenerate the table with make_golden.py when the bundle changes, and review it.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from registry import store
from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.models import Entity
from registry.service import Registry

GOLDEN = Path(__file__).with_name("golden.csv")


@pytest.fixture(scope="module")
def golden() -> list[dict[str, str]]:
    with GOLDEN.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_golden_set_is_big_and_varied(golden: list[dict[str, str]]) -> None:
    kinds = Counter(row["kind"] for row in golden)
    assert sum(n for k, n in kinds.items() if k != "negative") >= 200
    assert kinds["negative"] >= 40
    for kind in (
        "typo",
        "no legal suffix",
        "word order",
        "& for and",
        "abbreviation",
        "British spelling",
        "acronym",
        "Chinese",
        "traditional Chinese",
        "partial Chinese",
        "pinyin",
    ):
        assert kinds[kind] >= 5, kind


def test_golden_thresholds(bundled_registry: Registry, golden: list[dict[str, str]]) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        index = NameIndex.build(session)
        keys = dict(session.execute(select(Entity.key, Entity.id)).all())
        # A key that resolution merged away names the entity it was merged into.
        for row in golden:
            if row["expected_key"] and row["expected_key"] not in keys:
                kept = store.entity_by_key(session, row["expected_key"])
                if kept is not None:
                    keys[row["expected_key"]] = kept.id
    positives = [r for r in golden if r["kind"] != "negative"]
    negatives = [r for r in golden if r["kind"] == "negative"]
    misses = []
    for row in positives:
        result = index.lookup(row["query"])
        if result.best is None or result.best.entity_id != keys[row["expected_key"]]:
            misses.append((row["kind"], row["query"], result.best.name if result.best else None))
    false_matches = [
        (row["query"], result.best.name if result.best else None)
        for row in negatives
        if (result := index.lookup(row["query"])).status is MatchStatus.MATCH
    ]
    accuracy = 1 - len(misses) / len(positives)
    false_rate = len(false_matches) / len(negatives)
    assert accuracy >= 0.97, f"top-1 {accuracy:.3f}; misses: {misses[:20]}"
    assert false_rate <= 0.02, f"false matches {false_rate:.3f}: {false_matches}"
