"""Scoring a shortlist: the names left unscored (their bound is below a suggestion, or
below the best answers so far) change no answer, over many queries on an index whose
shortlists are long, and over every name of the bundled registry."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from registry.db import unit_of_work
from registry.lookup import NameIndex, candidates, scoring
from registry.lookup.types import MatchKind
from registry.names import normalize
from registry.service import Registry

SYLLABLES = ["hua", "xin", "tai", "long", "feng", "kang", "rui", "jin", "bao", "sheng", "da"]
PLACES = ["Shenzhen", "Beijing", "Wuhan", "Xi'an", "Chengdu", "Nanjing"]
TRADES = [
    "Optics Technology",
    "Electronics",
    "Precision Machinery",
    "Aerospace Materials",
    "Software Technology",
    "Import and Export",
]


def _index() -> tuple[NameIndex, list[str]]:
    """Names that share their place, trade and legal form, so that a query's shortlist
    holds many more names than are scored in full."""
    rng = random.Random(11)
    brands = ["".join(s).title() for s in itertools.permutations(SYLLABLES, 3)]
    names = [
        f"{rng.choice(PLACES)} {brand} {rng.choice(TRADES)} Co., Ltd."
        for brand in brands
        for _ in range(2)
    ]
    index = NameIndex()
    for entity_id, name in enumerate(names):
        index.add_name(entity_id, name, "name")
    return index, names


def _queries(names: list[str]) -> list[str]:
    rng = random.Random(12)
    out = []
    for name in rng.sample(names, 120):
        words = name.replace(" Co., Ltd.", "").split()
        brand = words[1]
        out += [
            name,
            " ".join(words),  # no legal form
            name.replace(brand, brand[:2] + brand[3:]),  # a letter dropped
            " ".join(words[1:]),  # no place
            f"{words[0]} {words[-1]}",  # common words only
        ]
    return out + [f"{p} {t}" for p in PLACES for t in TRADES]


def _answers(index: NameIndex, queries: list[str]) -> list[Any]:
    index._answers.clear()
    return [
        (r.status, [(c.entity_id, c.score, c.matched_on, c.how, c.typos) for c in r.candidates])
        for r in map(index.lookup, queries)
    ]


def _score_every_record(
    index: NameIndex,
    picked: list[int],
    evidence: list[float],
    floor: float,
    limit: Any,
    *rest: Any,
) -> dict[int, tuple[float, MatchKind, str | None, int]]:
    """The reference: every shortlisted record scored, none left out."""
    groups, missing, unknown, rare, asked = rest
    return {
        idx: scoring.score_record(index, groups, missing, unknown, rare, idx, asked)
        for idx in picked
    }


def _bounded_and_every(
    index: NameIndex, queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Any], int, list[Any], int]:
    scored = [0]
    real_score = scoring.score_record

    def counting(*args: Any) -> Any:
        scored[0] += 1
        return real_score(*args)

    monkeypatch.setattr(scoring, "score_record", counting)
    bounded = _answers(index, queries)
    bounded_count, scored[0] = scored[0], 0
    with monkeypatch.context() as patch:
        patch.setattr(scoring, "_worth_scoring", _score_every_record)
        every = _answers(index, queries)
    return bounded, bounded_count, every, scored[0]


def test_names_left_unscored_change_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    index, names = _index()
    bounded, bounded_count, every, every_count = _bounded_and_every(
        index, _queries(names), monkeypatch
    )
    assert bounded == every
    # The bound did leave names out (else this test proves nothing).
    assert bounded_count < 0.9 * every_count, (bounded_count, every_count)


@pytest.fixture(scope="module")
def bundled(bundled_path: Path) -> tuple[NameIndex, list[str]]:
    """The bundled registry's index, and every name of it, in turn as listed, less its
    last word, or with a letter dropped."""
    registry = Registry.connect(f"sqlite:///{bundled_path}")
    try:
        with unit_of_work(registry.sessions) as session:
            index = NameIndex.build(session)
    finally:
        registry.engine.dispose()
    queries = []
    for turn, text in enumerate(sorted({r.text for r in index.records})):
        words = text.split()
        if turn % 3 == 1 and len(words) > 1:
            text = " ".join(words[:-1])
        elif turn % 3 == 2 and len(text) > 6:
            text = text[:3] + text[4:]
        queries.append(text)
    return index, queries


def test_over_the_bundled_registry_names_left_unscored_change_no_answer(
    bundled: tuple[NameIndex, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    index, queries = bundled
    bounded, bounded_count, every, every_count = _bounded_and_every(index, queries, monkeypatch)
    differ = [(q, b, e) for q, b, e in zip(queries, bounded, every, strict=True) if b != e]
    assert not differ, differ[:3]
    assert bounded_count < 0.6 * every_count, (bounded_count, every_count)


def test_small_shortlists_read_in_python_equal_numpys_to_the_bit(
    bundled: tuple[NameIndex, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    index, queries = bundled

    def shortlists() -> list[Any]:
        out = []
        for query in queries:
            groups, missing, _ = candidates.query_groups(index, normalize.tokens(query))
            out.append(candidates.shortlist_with_evidence(index, groups, missing))
        return out

    small = shortlists()
    with monkeypatch.context() as patch:
        patch.setattr(candidates, "SMALL_READ", -1)
        numpy = shortlists()
    assert small == numpy
    read_small = sum(1 for names, _ in small if 0 < len(names) <= candidates.SMALL_READ)
    assert read_small > len(queries) // 3, read_small  # the Python path was taken
