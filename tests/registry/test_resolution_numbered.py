"""Numbered units of one group are one organisation however their number is written
("14th Research Institute of CETC", "China Electronics Technology Group Corporation 14th
Research Institute"); a name that says more, or an entry that numbers several units
among its names, is not joined by its number. Checked over the bundled registry too:
no two of its entities are left numbering one unit of one group."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.db import unit_of_work
from registry.models import Designation, Entity, Merge, Relationship
from registry.resolution.numbered import numbered_units, unit_of, words
from registry.resolution.pairs import _units_and_groups, snapshot
from registry.service import Registry

GROUPS = set(
    words(
        "China Electronics Technology Group Corporation CETC "
        "China Aerospace Science and Industry Corporation Limited CASIC 3rd Academy"
    )
)


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("14th Research Institute of CETC", ("institute", 14)),
        (
            "China Electronics Technology Group Corporation 14th Research Institute",
            ("institute", 14),
        ),
        ("CETC Research Institute 32", ("institute", 32)),
        ("No. 31 Research Institute, Third Academy of CASIC", ("institute", 31)),
        ("China Aerospace Science and Industry Corporation (CASIC) 3rd Academy", ("academy", 3)),
        ("CASIC 3rd Academy's 159 Factory", ("factory", 159)),
        # Names that say more than a number of the group's.
        ("Beijing Power Machinery Institute of CASIC's 31 Institute", None),
        ("CETC 13th Research Institute-USTB Joint Research and Development Center", None),
        ("CETC 13th Research Institute (CETC 13). Subordinate Institution - Envoltek", None),
        ("CETC 13th and 14th Research Institute", None),
        ("China Electronics Technology Group Corporation", None),
    ],
)
def test_a_name_that_only_numbers_a_unit_of_its_group(
    name: str, unit: tuple[str, int] | None
) -> None:
    assert unit_of(name, GROUPS) == unit


def test_units_of_one_group_with_one_number_are_one_and_a_grouped_entry_keeps_its_own() -> None:
    names = {
        1: ["14th Research Institute of CETC"],
        2: ["China Electronics Technology Group Corporation 14th Research Institute", "CETC 14"],
        # An entry that gives other institutes among its names: its own is the 38th.
        3: ["CETC 38th Research Institute", "CETC Research Institute 43", "CETC Research 44"],
        4: ["China Electronics Technology Group Corporation 43 Research Institute"],
        # Another group's 14th.
        5: ["14th Research Institute of CASIC"],
    }
    parents = {1: {9}, 2: {9}, 3: {9}, 4: {9}, 5: {8}}
    group_names = {9: ["China Electronics Technology Group Corporation", "cetc"], 8: ["casic"]}
    assert numbered_units(names, parents, group_names) == {(9, "institute", 14): {1, 2}}


def test_no_two_entities_of_the_bundled_registry_number_one_unit_of_one_group(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        entities = snapshot(session)
        ties = session.execute(
            select(Relationship.subject_id, Relationship.object_id).where(
                Relationship.type == "subsidiary_of"
            )
        ).all()
        left = numbered_units(*_units_and_groups(entities, ties))
        tied = {frozenset(row) for row in ties}
        untied = {k: ids for k, ids in left.items() if frozenset(ids) not in tied}
        assert not untied, {k: [entities[i].name for i in ids] for k, ids in untied.items()}
        # Each merge's two names number one unit, where both number one.
        group_names = _units_and_groups(entities, ties)[2]
        group_words = {w for held in group_names.values() for n in held for w in words(n)}
        rows = session.execute(
            select(Merge.kept_id, Merge.merged_name, Entity.name)
            .join(Entity, Entity.id == Merge.kept_id)
            .where(Merge.rule == "numbered unit")
        ).all()
        for _, merged_name, kept_name in rows:
            units = {unit_of(n, group_words) for n in (merged_name, kept_name)} - {None}
            assert len(units) <= 1, (merged_name, kept_name)
        # The 14th institute of CETC is one card, with the Entity List and the 1260H list.
        kept = {kept_id for kept_id, _, _ in rows}
        assert len(kept) >= 8
        lists = {
            name: {
                d
                for (d,) in session.execute(
                    select(Designation.list_id).where(
                        Designation.entity_id == entity_id, Designation.end.is_(None)
                    )
                )
            }
            for entity_id, name in session.execute(
                select(Entity.id, Entity.name).where(Entity.id.in_(kept))
            )
        }
    assert {"us-entity-list", "us-1260h"} <= lists["14th Research Institute of CETC"]
