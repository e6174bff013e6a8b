"""The PLA named before or after a name in English ("PLA Information Engineering
University", "Army Engineering University of the PLA") never costs a confident match: the
lists name the PLA's bodies without it. Checked over every listed name of the bundled
registry, and on the prefix rule itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.models import Alias, Entity
from registry.names.prefixes import MIN_WORDS_LEFT, without_pla
from registry.names.script import has_han
from registry.service import Registry
from registry.views.queries import legally_listed_ids

WAYS = ("PLA {}", "Chinese People's Liberation Army {}", "{} of the PLA", "{} (PLA)")


def _pla_bodies(session: Session) -> dict[int, str]:
    """Listed organisations that a name of theirs says are the PLA's (中国人民解放军…,
    "PLA …", "… of the PLA"), by their main name in Latin letters of two words or more."""
    listed = legally_listed_ids(session)
    ours = {
        entity_id
        for entity_id, name in session.execute(select(Alias.entity_id, Alias.name))
        if "解放军" in name or without_pla(name) is not None
    }
    return {
        entity_id: name
        for entity_id, name in session.execute(select(Entity.id, Entity.name))
        if entity_id in ours & listed
        and not has_han(name)
        and without_pla(name) is None
        and len(name.split()) >= MIN_WORDS_LEFT
    }


def test_the_pla_named_keeps_every_confident_match(
    bundled_reader: Registry, bundled_index: NameIndex
) -> None:
    with unit_of_work(bundled_reader.sessions) as session:
        bodies = _pla_bodies(session)
    lost = []
    asked = 0
    for entity_id, name in bodies.items():
        plain = bundled_index.lookup(name)
        if plain.status is not MatchStatus.MATCH or plain.best.entity_id != entity_id:
            continue
        for way in WAYS:
            asked += 1
            result = bundled_index.lookup(way.format(name))
            if result.status is not MatchStatus.MATCH or result.best.entity_id != entity_id:
                lost.append(way.format(name))
    assert asked > 100
    assert not lost, lost[:10]


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("PLA University of Defense Technology", "University of Defense Technology"),
        ("Chinese People's Liberation Army Academy of Sciences", "Academy of Sciences"),
        ("the PLA's Academy of Military Science", "Academy of Military Science"),
        ("Army Engineering University of the PLA", "Army Engineering University"),
        ("Information Engineering University (PLA)", "Information Engineering University"),
        ("Naval University of Engineering, PLA", "Naval University of Engineering"),
        # Not named, or too little left to be a name of its own:
        ("PLA Navy", None),
        ("Placid Optics Technology", None),
        ("Explain the PLA", None),
    ],
)
def test_the_pla_before_or_after_a_name(text: str, rest: str | None) -> None:
    assert without_pla(text) == rest
