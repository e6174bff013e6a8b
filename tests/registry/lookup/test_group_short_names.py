"""A group's Chinese short name leads to the group, not to one of its members.

Checked over every group of the bundled registry (an organisation that others are
subsidiaries of or supervised by, or a state-owned group) and every sourced Chinese name
it holds, not over hand-picked groups. Two rules make it hold: a sourced Chinese name is
held by one organisation only (the native-names importer keeps a name another record
holds apart), and a name asked whole outranks every name it is only part of (中国电科
before 中国电科28所). A name that a member holds as well is the member's own name given
among the group's names by a tracker (a laboratory, a centre): the member may come first.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select

from registry.db import unit_of_work
from registry.lookup import NameIndex
from registry.models import Alias, Entity, EntityKind, Relationship, RelationType
from registry.service import Registry

# Ties that make the object a group of the subject.
GROUP_TIES = (RelationType.SUBSIDIARY_OF, RelationType.SUPERVISED_BY)
# At least this many groups hold a sourced Chinese short name in the bundled registry
# (CETC, CASC, CASIC, AVIC, CSSC, NORINCO, CSGC, CNNC, CEC...): a floor, so that a data
# change that loses them fails here.
MIN_GROUPS_WITH_SHORT_NAMES = 15


def test_every_group_is_first_for_each_sourced_chinese_name_it_alone_holds(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        index = NameIndex.build(session)
        owners = set(
            session.scalars(select(Relationship.object_id).where(Relationship.type.in_(GROUP_TIES)))
        )
        groups = {
            entity_id: (name, native)
            for entity_id, name, native in session.execute(
                select(Entity.id, Entity.name, Entity.native_name).where(
                    or_(Entity.id.in_(owners), Entity.kind == EntityKind.STATE_OWNED_GROUP)
                )
            )
        }
        holders: dict[str, set[int]] = defaultdict(set)
        for entity_id, name in session.execute(select(Alias.entity_id, Alias.name)):
            holders[name].add(entity_id)
        asked = [
            (name, entity_id)
            for name, entity_id in session.execute(
                select(Alias.name, Alias.entity_id).where(
                    Alias.lang == "zh", Alias.source_id.is_not(None)
                )
            )
            if entity_id in groups and holders[name] == {entity_id}
        ]
    shorts = {e for name, e in asked if name != groups[e][1]}
    assert len(shorts) >= MIN_GROUPS_WITH_SHORT_NAMES, len(shorts)
    wrong = []
    for name, entity_id in asked:
        best = index.lookup(name).best
        if best is None or best.entity_id != entity_id:
            wrong.append((name, groups[entity_id][0], best.name if best else None))
    assert not wrong, wrong
