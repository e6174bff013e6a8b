"""The golden set: what people type, against the real bundled registry.

Thresholds are the product's promise: >= 98% of positives answered with the right
organisation first, <= 1% of negatives answered with a confident (wrong) match.
Regenerate golden.csv with make_golden.py when the bundle changes, and review it.

Each row is its own test (``test_golden_case[golden.csv:12:typo:Hikvison]``), so a single
regression is named; rows the index does not answer yet are listed in ``KNOWN_MISSES``
and run as strict expected failures (one that starts passing must leave the list).
``bench/golden.py`` prints the figures.

namesakes.csv is kept by hand: real universities, institutes and companies of the US, the
UK, Europe, Australia, Japan, Korea and Taiwan whose names resemble listed Chinese ones
("Northwestern University", "National Tsing Hua University", "China Airlines"), as
negatives, beside typed and Chinese-script names of listed ones ("Hikvison", "清華大學").
Names written exactly as a listed one ("Northeastern University" of Boston, "Soochow
University" of Taipei) are not in it: no spelling tells those apart.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from registry import store
from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.service import Registry

GOLDEN = Path(__file__).with_name("golden.csv")
NAMESAKES = Path(__file__).with_name("namesakes.csv")
NEGATIVE_KINDS = ("negative", "namesake")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# Rows the index answers wrongly today, by query: a positive whose right organisation is
# not first, or a negative answered with a confident match.
KNOWN_MISSES = frozenset(
    {
        "CSSC",
        "Southern University of Science and Techology",
        "Aisin Corporation",
    }
)


def _cases() -> list[pytest.ParameterSet]:
    out = []
    for path in (GOLDEN, NAMESAKES):
        for line, row in enumerate(_read(path), start=2):
            marks = [pytest.mark.xfail(strict=True)] if row["query"] in KNOWN_MISSES else []
            case_id = f"{path.name}:{line}:{row['kind']}:{row['query']}"
            out.append(pytest.param(row, id=case_id, marks=marks))
    return out


@pytest.fixture(scope="module")
def golden_index(bundled_path: Path) -> tuple[NameIndex, dict[str, int]]:
    registry = Registry.connect(f"sqlite:///{bundled_path}")
    try:
        with unit_of_work(registry.sessions) as session:
            index = NameIndex.build(session)
            rows = _read(GOLDEN) + _read(NAMESAKES)
            keys = store.entity_ids(session, (r["expected_key"] for r in rows if r["expected_key"]))
    finally:
        registry.engine.dispose()
    return index, keys


@pytest.mark.parametrize("row", _cases())
def test_golden_case(golden_index: tuple[NameIndex, dict[str, int]], row: dict[str, str]) -> None:
    index, keys = golden_index
    result = index.lookup(row["query"])
    if row["kind"] in NEGATIVE_KINDS:
        assert result.status is not MatchStatus.MATCH, result.best.name if result.best else None
        return
    best = result.best
    assert best is not None, "no answer"
    assert best.entity_id == keys[row["expected_key"]], f"answered {best.name!r} ({best.how})"


@pytest.fixture(scope="module")
def golden() -> list[dict[str, str]]:
    return _read(GOLDEN) + _read(NAMESAKES)


def test_golden_set_is_big_and_varied(golden: list[dict[str, str]]) -> None:
    kinds = Counter(row["kind"] for row in golden)
    assert sum(n for k, n in kinds.items() if k not in NEGATIVE_KINDS) >= 200
    assert kinds["negative"] >= 40
    assert kinds["namesake"] >= 200
    countries = Counter(row["note"].split(";")[0] for row in golden if row["kind"] == "namesake")
    for country in ("US", "UK", "EU", "AU", "JP", "KR", "TW"):
        assert countries[country] >= 20, country
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
        # A key that resolution merged away names the entity it was merged into.
        keys = store.entity_ids(session, (r["expected_key"] for r in golden if r["expected_key"]))
    positives = [r for r in golden if r["kind"] not in NEGATIVE_KINDS]
    negatives = [r for r in golden if r["kind"] in NEGATIVE_KINDS]
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
    assert accuracy >= 0.98, f"top-1 {accuracy:.3f}; misses: {misses[:20]}"
    assert false_rate <= 0.01, f"false matches {false_rate:.3f}: {false_matches}"


def test_no_negative_is_a_listed_name(bundled_path: Path, golden: list[dict[str, str]]) -> None:
    """A list that grows may name a former negative; it then leaves the negatives."""
    from sqlalchemy import select

    from registry.models import Alias, Entity

    registry = Registry.connect(f"sqlite:///{bundled_path}")
    try:
        with unit_of_work(registry.sessions) as session:
            listed = {n.casefold() for n in session.scalars(select(Entity.name))}
            listed |= {n.casefold() for n in session.scalars(select(Alias.name))}
    finally:
        registry.engine.dispose()
    named = [
        r["query"]
        for r in golden
        if r["kind"] in NEGATIVE_KINDS and r["query"].casefold() in listed
    ]
    assert not named


def test_a_name_without_its_form_and_another_bodys_acronym_ask(
    bundled_path: Path, golden_index: tuple[NameIndex, dict[str, int]]
) -> None:
    """Over the whole registry: a query that is one body's listed name only once its legal
    form goes ("CEC" for CEC LIMITED) and another body's acronym (China Electronics
    Corporation's "CEC") is a "did you mean" with both, never a match to either."""
    from sqlalchemy import select

    from registry.lookup.namesakes import legal_family
    from registry.models import Alias, Entity
    from registry.names import normalize

    index, _ = golden_index
    registry = Registry.connect(f"sqlite:///{bundled_path}")
    try:
        with unit_of_work(registry.sessions) as session:
            names = session.execute(select(Entity.id, Entity.name)).all()
            acronyms = session.execute(select(Alias.entity_id, Alias.name).where(Alias.weak)).all()
    finally:
        registry.engine.dispose()
    formed: dict[tuple[str, ...], set[int]] = {}
    for entity_id, name in names:
        if legal_family(name) is not None:
            formed.setdefault(normalize.tokens(name), set()).add(entity_id)
    pairs = [
        (acronym, owner, others)
        for owner, acronym in acronyms
        if legal_family(acronym) is None
        and (others := formed.get(normalize.tokens(acronym), set()) - {owner})
    ]
    assert pairs, "the registry has no such pair any more: the property tests nothing"
    for acronym, owner, others in pairs:
        result = index.lookup(acronym)
        assert result.status is MatchStatus.AMBIGUOUS, acronym
        found = {c.entity_id for c in result.candidates}
        assert owner in found and others & found, acronym
