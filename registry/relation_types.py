"""One table of relation types: everything the product says or decides about a type of tie
between two organisations, read from one row per type.

A tie reads ``<subject> <type> <object>``. A card shows it from either end: from the
subject's card it is read ``out`` ("is a subsidiary of"), from the object's card ``in``
("is the parent of"). Each direction has its own sentence, its rank among an
organisation's ties (``RelationshipView.strength``) and the layer where the other
organisation sits in a picture of the network (``registry.network``). The type as a whole
says whether it is ownership (a path of ownership hops carries the catalogue's ownership
rules), whether it carries control upwards (the path to the nearest listed owner follows
it, ``registry.owners``), the words of a hop on that path and its label on a picture's edge.

Adding a relation type is one row here (and a member of ``registry.models.RelationType``
when an importer stores it); ``tests/registry/test_relation_types.py`` checks both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Ranks: which tie says most about an organisation. Being part of, or run by, another
# body first; then joint bodies and supplying the military; then looser cooperation;
# owning others (which can be hundreds) last. A tie to a listed body beats any tie to an
# unlisted one (``RelationshipView.strength``).
OTHER_RANK = 9  # every other type and direction (parent of, supervises, supplied by...)

# Layers in a picture of the network: where the other organisation sits.
ABOVE, BESIDE, BELOW = -1, 0, 1


class Direction(StrEnum):
    """Which end of a tie a card is read from."""

    OUT = "out"  # this organisation is the subject
    IN = "in"  # this organisation is the object


@dataclass(frozen=True, slots=True)
class Reading:
    """A tie read from one end: "<this organisation> <sentence> <the other>"."""

    sentence: str
    rank: int = OTHER_RANK
    layer: int = BESIDE


@dataclass(frozen=True, slots=True)
class RelationSpec:
    type: str
    out: Reading
    in_: Reading
    label: str  # an edge in a picture: "<subject> -label-> <object>"
    ownership: bool = False  # the subject is owned by the object
    control: bool = False  # the object owns or controls the subject (owner paths follow it)
    hop: str = "tied to"  # a hop of an owner path: "<from> is <hop> <to>"

    def reading(self, direction: str) -> Reading:
        return self.out if direction == Direction.OUT else self.in_


def _up(out: str, in_: str, rank: int) -> tuple[Reading, Reading]:
    """A tie to a body above the subject: its owner, supervisor or customer."""
    return Reading(out, rank, ABOVE), Reading(in_, OTHER_RANK, BELOW)


def _both(sentence: str, rank: int) -> tuple[Reading, Reading]:
    """A tie between equals, read the same way from either end."""
    return Reading(sentence, rank), Reading(sentence, rank)


_LINKED = "is linked to"

RELATION_TYPES: dict[str, RelationSpec] = {
    spec.type: spec
    for spec in (
        RelationSpec(
            "subsidiary_of",
            *_up("is a subsidiary of", "is the parent of", 0),
            label="subsidiary of",
            ownership=True,
            control=True,
            hop="a subsidiary of",
        ),
        # No importer writes ``part_of`` yet (a lab of a university is recorded as
        # ``subsidiary_of``); its row is here so that a future importer writing it is
        # followed up owner paths and drawn above without another change.
        RelationSpec(
            "part_of",
            *_up("is part of", "includes", 0),
            label="part of",
            control=True,
            hop="part of",
        ),
        RelationSpec(
            "supervised_by",
            *_up("is supervised by", "supervises", 1),
            label="supervised by",
            control=True,
            hop="supervised by",
        ),
        RelationSpec("joint_venture", *_both("has a joint venture with", 2), label="joint venture"),
        RelationSpec("joint_lab", *_both("has a joint lab with", 3), label="joint lab"),
        RelationSpec(
            "co_founded",
            Reading("co-founded"),
            Reading("was co-founded by", 4),
            label="co-founded",
        ),
        # The customer (the PLA) is drawn above its supplier, but a supplier is no owner.
        RelationSpec("supplies", *_up("supplies", "is supplied by", 5), label="supplies"),
        RelationSpec(
            "research_partner", *_both("is a research partner of", 6), label="research partner"
        ),
        RelationSpec("collaborates_with", *_both("collaborates with", 7), label="collaborates"),
        RelationSpec(
            "hosted_by",
            Reading("was hosted by", 8),
            Reading("hosted", OTHER_RANK, BELOW),
            label="hosted by",
        ),
        RelationSpec("other", *_both(_LINKED, OTHER_RANK), label="linked"),
    )
}

OWNERSHIP_TYPES = tuple(t for t, spec in RELATION_TYPES.items() if spec.ownership)
CONTROL_TYPES = tuple(t for t, spec in RELATION_TYPES.items() if spec.control)


def relation_type(type_: str) -> RelationSpec:
    """The row of ``type_``; a type with no row (written by an older registry) reads as
    a tie of unknown kind."""
    spec = RELATION_TYPES.get(type_)
    if spec is None:
        spec = RelationSpec(type_, *_both(_LINKED, OTHER_RANK), label=type_.replace("_", " "))
    return spec


def sentence(type_: str, direction: str) -> str:
    """ "<this organisation> <sentence> <the other>", read from ``direction``'s end."""
    return relation_type(type_).reading(direction).sentence
