"""Properties of every merge, alias and decision of the bundled registry.

Checked over the whole registry, not over hand-picked names: a card's title is a name of
the organisation it describes (never a unit's that another record gave among its names),
every reviewed "keep apart" holds, load-time joins included, and no alias is only a
place, a country, a legal form, a generic word or a bracketed qualifier.
"""

from __future__ import annotations

from sqlalchemy import select

from registry import resolution
from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.models import Alias, Entity, Merge
from registry.names.aliases import empty_alias
from registry.names.places import COUNTRY_CODES
from registry.resolution import name_key, unit_names
from registry.service import Registry


def test_every_merge_keeps_a_title_that_names_the_organisation(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        rows = session.execute(
            select(Merge.id, Merge.merged_name, Merge.rule, Merge.evidence, Entity.name)
            .join(Entity, Entity.id == Merge.kept_id)
            .where(Merge.undone_at.is_(None))
        ).all()
    assert rows
    # (A numbered unit's names number it at two levels, "13th Institute, CASC" and "CASC
    # 9th Academy 13 Research Institute", which read as a unit of each other: the numbered
    # rule has its own check, test_resolution_numbered.)
    wrong = [
        (merge_id, merged, kept, rule, evidence)
        for merge_id, merged, rule, evidence, kept in rows
        if rule != "numbered unit" and (unit_names(merged, [kept]) or unit_names(kept, [merged]))
    ]
    assert not wrong, wrong


def test_every_merge_is_explained_by_evidence_about_the_organisation(
    bundled_registry: Registry,
) -> None:
    # Never a unit's name shared, never a shared alternate name alone.
    with unit_of_work(bundled_registry.sessions) as session:
        rules = {rule for (rule,) in session.execute(select(Merge.rule))}
    assert rules <= {"identifier", "name", "alias", "numbered unit", "decision"}, rules


def test_every_keep_apart_decision_holds(bundled_registry: Registry) -> None:
    """Both names of a ``keep apart`` decision stay the own names of two entities: neither
    was joined into the other, at load time or by resolution (where the registry holds the
    other name only as an alias of the first, the two were made one)."""
    decisions = [d for d in resolution.load_decisions() if d.decision == resolution.KEEP_APART]
    with unit_of_work(bundled_registry.sessions) as session:
        own: dict[resolution.NameKey, set[int]] = {}
        for entity_id, name in session.execute(select(Entity.id, Entity.name)):
            if (key := name_key(name)) is not None:
                own.setdefault(key, set()).add(entity_id)
        held: dict[resolution.NameKey, set[int]] = {}
        for entity_id, name in session.execute(select(Alias.entity_id, Alias.name)):
            if (key := name_key(name)) is not None:
                held.setdefault(key, set()).add(entity_id)
    checked, broken = 0, []
    for d in decisions:
        first, second = (name_key(n) for n in d.names)
        assert first is not None and second is not None, d.names
        mine, theirs = own.get(first, set()), own.get(second, set())
        if mine and theirs:
            checked += 1
            if mine & theirs:
                broken.append(d.names)
        elif mine or theirs:
            # One is an entity's own name; the other is no entity's own name: broken when
            # that entity holds it, i.e. the other organisation was joined into it.
            other = second if mine else first
            if (mine or theirs) & held.get(other, set()):
                broken.append(d.names)
    assert not broken, broken
    assert checked >= 15


def test_no_alias_is_only_a_place_country_form_generic_word_or_qualifier(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        aliases = session.execute(select(Alias.name, Alias.weak, Entity.name).join(Entity)).all()
    assert len(aliases) > 3000
    empty = [(a, e, why) for a, weak, e in aliases if (why := empty_alias(a, acronym=weak))]
    assert not empty, empty[:20]


def test_a_country_or_place_alone_is_no_confident_match(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        index = NameIndex.build(session)
    asked = ["China", "PRC", "Hong Kong", "People's Republic of China", *COUNTRY_CODES]
    confident = [
        (q, r.best.name if r.best else None)
        for q in asked
        if (r := index.lookup(q)).status is MatchStatus.MATCH
    ]
    assert not confident, confident
