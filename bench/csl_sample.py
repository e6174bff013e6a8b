"""Ask the bundled registry for a seeded random sample of China and Hong Kong
organisations of the 2022 CSL snapshot's SDN List and Unverified List, by their listed
names (a script; the threshold is asserted by tests/registry/importers/test_csl_lists.py):

    python bench/csl_sample.py [-v]

The sample: the snapshot's rows of each list whose address or nationality is in China or
Hong Kong (or whose programme is Chinese) and which the CSL types as an organisation (or,
untyped, whose name is an organisation's), sorted by name, then ``random.Random(SEED)``
picks ``PER_LIST`` of each. Answered: the match's card names that list. With its start
date: the card's date on that list equals the row's (the 2022 snapshot states none for
SDN and UVL rows, so the figure says how many rows state one).
"""

from __future__ import annotations

import csv
import gzip
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from handlers.context import Services
from handlers.dispatch import handle
from handlers.replies import LookupReply
from registry.importers.csl_rows import country, is_person, list_of, listed_name
from registry.lookup import MatchStatus
from registry.service import Registry

SNAPSHOT = Path(__file__).resolve().parent.parent / "data/lists/csl/consolidated-2022-04.csv.gz"
SEED = 24
PER_LIST = 20
LISTS = ("us-sdn", "us-uvl")


@dataclass(frozen=True)
class Asked:
    list_id: str
    name: str
    start: str | None  # the row's start date, where the snapshot states one
    answered: bool  # the match's card names the list
    dated: bool  # ... with the row's start date


def sample(seed: int = SEED, per_list: int = PER_LIST) -> list[tuple[str, str, str | None]]:
    """(list id, listed name, start date) of the seeded sample."""
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rng = random.Random(seed)
    out = []
    for list_id in LISTS:
        pool = sorted(
            {
                (listed_name(r["name"]), r["start_date"] or None)
                for r in rows
                if list_of(r["source"]) == list_id
                and not is_person(r["type"], r["name"], list_id)
                and country(
                    [r["addresses"]],
                    [*r["nationalities"].split(";"), *r["citizenships"].split(";")],
                )
            }
        )
        out += [(list_id, name, start) for name, start in rng.sample(pool, per_list)]
    return out


def ask(services: Services, picked: list[tuple[str, str, str | None]]) -> list[Asked]:
    results = []
    for list_id, name, start in picked:
        body = handle(services, name).body
        listed = []
        if isinstance(body, LookupReply) and body.status is MatchStatus.MATCH and body.card:
            listed = [d for d in body.card.designations if d.list_id == list_id]
        results.append(
            Asked(list_id, name, start, bool(listed), any(d.start == start for d in listed))
        )
    return results


def main() -> int:
    verbose = "-v" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.connect(f"sqlite:///{tmp}/sample.sqlite3")
        registry.init()
        results = ask(Services(registry), sample())
    n = len(results)
    answered = sum(r.answered for r in results)
    stated = sum(r.start is not None for r in results)
    dated = sum(r.dated for r in results if r.start is not None)
    print(f"sample: {n} organisations (seed {SEED}, {PER_LIST} per list of {', '.join(LISTS)})")
    print(f"answered with the list: {answered}/{n} ({answered / n:.1%})")
    print(f"rows stating a start date: {stated}/{n}; shown with it: {dated}/{stated or 1}")
    if verbose:
        for r in results:
            if not r.answered:
                print(f"  miss: [{r.list_id}] {r.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
