"""A unit numbered in a listed name ("14th Research Institute of CETC") is found
however its number is written: as a word ("Fourteenth") or after "No." ("No. 14").
Checked over every listed name of the bundled registry that numbers a unit from 1 to
20: asked so, it answers as its name as listed does."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry.db import unit_of_work
from registry.lookup import NameIndex
from registry.models import Entity
from registry.names.numerals import ORDINAL_WORDS
from registry.service import Registry
from registry.views.queries import legally_listed_ids

_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_WORDS = {number: word.capitalize() for word, number in ORDINAL_WORDS.items()}


def test_a_units_number_in_words_or_after_no_finds_it(
    bundled_reader: Registry, bundled_index: NameIndex
) -> None:
    with unit_of_work(bundled_reader.sessions) as session:
        listed = legally_listed_ids(session)
        names = dict(session.execute(select(Entity.id, Entity.name)).all())
    asked, lost = 0, []
    for entity_id, name in names.items():
        found = _ORDINAL.search(name)
        if entity_id not in listed or found is None or int(found.group(1)) not in _WORDS:
            continue
        as_listed = bundled_index.lookup(name)
        number = int(found.group(1))
        for way in (_WORDS[number], f"No. {number}"):
            asked += 1
            result = bundled_index.lookup(name[: found.start()] + way + name[found.end() :])
            first = result.best.entity_id if result.best else None
            expected = as_listed.best.entity_id if as_listed.best else None
            if first != expected or result.status is not as_listed.status:
                lost.append((name, way, result.status.value))
    assert asked >= 20
    assert not lost, lost[:10]
