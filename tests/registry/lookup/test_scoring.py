"""Scoring a shortlist: the names left unscored (their bound is below the best answers
so far) change no answer, over many queries on an index whose shortlists are long."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from registry.lookup import NameIndex, scoring

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


def test_names_left_unscored_change_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    index, names = _index()
    queries = _queries(names)
    scored = [0]
    real_score = scoring.score_record

    def counting(*args: Any) -> Any:
        scored[0] += 1
        return real_score(*args)

    monkeypatch.setattr(scoring, "score_record", counting)
    bounded = _answers(index, queries)
    bounded_count, scored[0] = scored[0], 0
    real_fuzzy = scoring.fuzzy_candidates
    monkeypatch.setattr(
        scoring, "fuzzy_candidates", lambda i, q, a, limit=None: real_fuzzy(i, q, a, None)
    )
    every = _answers(index, queries)
    assert bounded == every
    # The bound did leave names out (else this test proves nothing).
    assert bounded_count < 0.9 * scored[0], (bounded_count, scored[0])
