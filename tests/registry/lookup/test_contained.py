"""A query that holds an organisation's whole name among more words ("China Electronics
Technology Group Corporation 99th Research Institute": a unit the registry does not
hold of an organisation it does) is never "nothing found": the organisation is at least
a "did you mean". Checked over the name of every listed organisation in the bundled
registry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.lookup.scoring import CONTAINED, MIN_CONTAINED_WORDS
from registry.models import Designation, Entity
from registry.names import normalize
from registry.service import Registry

# Words that no name holds, as a unit's name would add them.
UNIT = "Zorvath Qelmin Unit"


@pytest.fixture(scope="module")
def listed(bundled_reader: Registry, bundled_index: NameIndex) -> tuple[NameIndex, dict[int, str]]:
    with unit_of_work(bundled_reader.sessions) as session:
        names = dict(
            session.execute(
                select(Entity.id, Entity.name)
                .join(Designation, Designation.entity_id == Entity.id)
                .where(Designation.end.is_(None))
            ).all()
        )
    return bundled_index, names


def test_a_query_holding_a_listed_name_whole_suggests_at_least_that_organisation(
    listed: tuple[NameIndex, dict[int, str]],
) -> None:
    index, names = listed
    asked, nothing, missed = 0, [], []
    for entity_id, name in sorted(names.items()):
        if normalize.has_han(name) or len(set(normalize.tokens(name))) < MIN_CONTAINED_WORDS:
            continue
        asked += 1
        result = index.lookup(f"{name} {UNIT}", limit=10)
        if result.status is MatchStatus.NONE:
            nothing.append(name)
        elif entity_id not in {c.entity_id for c in result.candidates}:
            missed.append(name)
    assert not nothing, nothing[:10]
    # (Among names of the same words, another organisation's may be the one suggested.)
    assert len(missed) <= asked // 100, missed[:10]
    assert asked >= 1000


def test_the_suggestion_says_the_query_names_more() -> None:
    index = NameIndex()
    index.add_name(1, "Acme Electronics Technology Group Corporation", "name")
    index.add_name(
        2, "Acme Electronics Technology Group Corporation 28th Research Institute", "name"
    )
    found = index.lookup("Acme Electronics Technology Group Corporation 99th Zorvath Bureau")
    assert found.status is MatchStatus.AMBIGUOUS and found.best is not None
    assert found.best.entity_id == 1 and found.best.how.held_back == CONTAINED
    # A name inside the longer one found is not suggested on its own.
    index.add_name(3, "Acme Electronics", "name")
    found = index.lookup("Acme Electronics Technology Group Corporation 99th Zorvath Bureau")
    assert [c.entity_id for c in found.candidates] == [1]
