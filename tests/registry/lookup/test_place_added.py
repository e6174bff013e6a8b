"""An alias asked exactly is not a confident match while another organisation's name is
that alias with a place before or after it ("Yuwei Semiconductor Technology" is one
company's alias on the Entity List and, with "Shanghai", another's name): "did you mean"
both. Checked over every such pair in the bundled registry, and by hand on a small one."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.models import Alias, Entity
from registry.names.normalize import tokens
from registry.names.places import adds_a_place
from registry.names.script import has_han
from registry.service import Registry


def _pairs(session: Session) -> list[tuple[str, int, int]]:
    """(alias, its holder, another organisation whose name is the alias in a mainland
    province or city)."""
    by_words: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for entity_id, name in session.execute(select(Entity.id, Entity.name)):
        if not has_han(name):
            words = tokens(name)
            by_words[tuple(words)].add(entity_id)
            for cut in (1, 2):  # the name less a place of one or two words, at either end
                for rest in (words[cut:], words[:-cut]):
                    if rest and adds_a_place(words, rest):
                        by_words[("@", *rest)].add(entity_id)
    pairs = []
    names = dict(session.execute(select(Entity.id, Entity.name)).all())
    for alias in session.scalars(select(Alias).where(Alias.weak.is_(False))):
        if has_han(alias.name) or tokens(alias.name) == tokens(names[alias.entity_id]):
            continue  # ("Huawei Device": its holder's own name, less its legal form)
        for other in by_words.get(("@", *tokens(alias.name)), set()) - {alias.entity_id}:
            pairs.append((alias.name, alias.entity_id, other))
    return pairs


def test_no_alias_is_a_confident_match_beside_its_name_in_a_place(
    bundled_reader: Registry, bundled_index: NameIndex
) -> None:
    with unit_of_work(bundled_reader.sessions) as session:
        pairs = _pairs(session)
    assert pairs, "the bundled registry holds such pairs (Yuwei, the Beijing institute)"
    wrong = []
    for alias, holder, other in pairs:
        result = bundled_index.lookup(alias)
        shown = {c.entity_id for c in result.candidates}
        sure_of_another = result.status is MatchStatus.MATCH and result.best.entity_id != other
        if sure_of_another or other not in shown:
            wrong.append((alias, holder, other))
    assert not wrong, wrong[:10]


def test_a_place_added_before_or_after() -> None:
    assert adds_a_place(["shanghai", "acme", "optics"], ["acme", "optics"])
    assert adds_a_place(["acme", "optics", "inner", "mongolia"], ["acme", "optics"])
    assert adds_a_place(["institute", "of", "acme", "beijing"], ["institute", "of", "acme"])
    # Hong Kong and abroad make another company of a group; words of reach are no place;
    # the same words are no addition; nor are other words.
    assert not adds_a_place(["acme", "hong", "kong"], ["acme"])
    assert not adds_a_place(["acme", "north", "america"], ["acme"])
    assert not adds_a_place(["acme", "international"], ["acme"])
    assert not adds_a_place(["acme", "optics"], ["acme", "optics"])
    assert not adds_a_place(["acme", "optics", "group"], ["acme", "optics"])
    assert not adds_a_place(["beijing"], [])


def test_an_alias_beside_its_name_in_a_place_is_a_question() -> None:
    index = NameIndex()
    for entity_id, name, field in (
        (1, "Zorvik Micro Devices (Shanghai) Co., Ltd.", "name"),
        (1, "Qelmin Semiconductor Technology Co., Ltd.", "alias"),
        (2, "Shanghai Qelmin Semiconductor Technology Co., Ltd.", "name"),
        (3, "Varnel Optics Group Co., Ltd.", "name"),
        (3, "Varnel", "alias"),
        (4, "Varnel International Co., Limited", "name"),
        (5, "Varnel Optics Wuhan Co., Ltd.", "name"),
        (5, "Wuhan Varnel", "alias"),
    ):
        index.add_name(entity_id, name, field)
    result = index.lookup("Qelmin Semiconductor Technology")
    assert result.status is MatchStatus.AMBIGUOUS
    assert {c.entity_id for c in result.candidates} >= {1, 2}
    # A rival that adds words of reach, or whose alias (not its name) adds a place,
    # leaves the group's alias a match.
    assert index.lookup("Varnel").status is MatchStatus.MATCH
    # The name asked exactly stays a match beside the same name in a place.
    assert index.lookup("Shanghai Qelmin Semiconductor Technology Co., Ltd.").best.entity_id == 2
