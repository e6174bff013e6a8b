"""The relation-type table (``registry.relation_types``): every type a tie can be stored
with has one row, and every sentence, rank, layer and owner-path rule is read from it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.db import unit_of_work
from registry.models import Relationship, RelationType
from registry.network import Edge
from registry.owners import CONTROL_TIES, OWNERSHIP_TIES, Hop
from registry.relation_types import (
    ABOVE,
    BELOW,
    OTHER_RANK,
    RELATION_TYPES,
    Direction,
    relation_type,
    sentence,
)
from registry.service import Registry

REGISTRY = Path(__file__).resolve().parents[2] / "registry"


@pytest.mark.parametrize("type_", list(RelationType))
def test_every_model_relation_type_has_a_row(type_: RelationType) -> None:
    spec = RELATION_TYPES.get(type_.value)
    assert spec is not None, f"{type_.value}: add a row to registry/relation_types.py"
    assert spec.type == type_.value
    for direction in Direction:
        assert spec.reading(direction).sentence


def test_every_type_written_in_the_registry_code_has_a_row() -> None:
    """Importers write ties with ``RelationType.X``; a string type in a ``tie``/``type=``
    call would bypass the enum, so every such literal must have a row too."""
    written: set[str] = set()
    for path in REGISTRY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if named and node.value.id == "RelationType":
                written.add(RelationType[node.attr].value)
            literal = isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant)
            if literal and node.arg == "type" and isinstance(node.value.value, str):
                written.add(node.value.value)
    assert written, "the scan found no relation types: the importers changed shape"
    assert written - set(RELATION_TYPES) == set()


def test_every_type_stored_in_the_bundled_registry_has_a_row(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        stored = set(session.scalars(select(Relationship.type).distinct()))
    assert stored, "the bundled registry holds no ties"
    assert stored - set(RELATION_TYPES) == set()


def test_sentences_each_way_and_ranks_come_from_the_table() -> None:
    assert sentence("subsidiary_of", Direction.OUT) == "is a subsidiary of"
    assert sentence("subsidiary_of", Direction.IN) == "is the parent of"
    assert sentence("supplies", Direction.IN) == "is supplied by"
    # Being owned says most; owning others (which can be hundreds) least.
    owned = relation_type("subsidiary_of")
    assert owned.out.rank == 0 and owned.in_.rank == OTHER_RANK
    assert owned.out.layer == ABOVE and owned.in_.layer == BELOW
    ranks = [spec.out.rank for spec in RELATION_TYPES.values()]
    assert min(ranks) == 0 and max(ranks) <= OTHER_RANK


def test_owner_paths_and_pictures_read_the_table() -> None:
    assert set(OWNERSHIP_TIES) == {t for t, s in RELATION_TYPES.items() if s.ownership}
    assert set(CONTROL_TIES) == {t for t, s in RELATION_TYPES.items() if s.control}
    assert set(OWNERSHIP_TIES) <= set(CONTROL_TIES)
    hop = Hop(from_id=1, from_name="A", to_id=2, to_name="B", type="supervised_by", sources=())
    assert hop.words == relation_type("supervised_by").hop == "supervised by"
    for type_, spec in RELATION_TYPES.items():
        assert Edge(subject_id=1, object_id=2, type=type_).label == spec.label


def test_a_type_with_no_row_reads_as_an_unknown_tie() -> None:
    spec = relation_type("made_up_tie")
    assert spec.out.sentence == spec.in_.sentence == "is linked to"
    assert spec.out.rank == OTHER_RANK and not spec.control and not spec.ownership
    assert spec.label == "made up tie"
