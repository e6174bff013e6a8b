"""Numbered units of one group: one institute, however its number is written.

CETC's 14th institute is "14th Research Institute of CETC" on the DoD 1260H list and
"China Electronics Technology Group Corporation 14th Research Institute" on the Entity
List; CASIC's 31st is "No. 31 Research Institute, Third Academy of CASIC" in ASPI's
tracker and "... (CASIC) 3rd Academy, 31 Research Institute" on the Entity List. No
name key joins them (the words differ), and each card would show only its own lists.

A group numbers its institutes once across the group (CASC's 13th is in its 9th
academy, and no other academy has a 13th), so two units of one group (tied to it, or to
a unit of it, by ``subsidiary_of``) whose names give the same number to the same kind of
unit, and say nothing beyond the names of the group and its units, are one unit. A name
that says more ("Beijing Power Machinery Institute of CASIC's 31 Institute", "... 13th
Research Institute-USTB Joint Research and Development Center", "... Subordinate
Institution - ...") is left to the other rules. So is an entry whose alternate names
number several units (the Entity List's CETC 38th institute gives "CETC Research
Institute 39" to "... 44" among its names): its own name alone says which unit it is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from registry.names.normalize import ascii_text
from registry.names.numerals import ORDINAL_WORDS

# The kinds of unit a group numbers, smallest first: a name that numbers an academy and
# an institute in it ("CASC 9th Academy 13 Research Institute") names the institute.
UNIT_KINDS = ("institute", "factory", "academy")
UNIT_KINDS_SET = frozenset(UNIT_KINDS)
# Words of a numbered unit's name that say nothing of which unit it is.
_FILLER = frozenset({"no", "number", "of", "the", "s", "research", "and"})
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"(\d+)(?:st|nd|rd|th)?")

UnitKey = tuple[int, str, int]  # the group's entity id, the kind of unit, its number


def words(name: str) -> list[str]:
    return _WORD.findall(ascii_text(name).casefold())


def _number(word: str) -> int | None:
    found = _NUMBER.fullmatch(word)
    if found is not None:
        return int(found.group(1))
    return ORDINAL_WORDS.get(word)


def unit_of(name: str, group_words: set[str]) -> tuple[str, int] | None:
    """The kind and number of the unit that ``name`` names, when it says nothing else
    than the words of its group (``group_words``); else None."""
    w = words(name)
    numbered: dict[str, set[int]] = defaultdict(set)
    used: set[int] = set()  # the positions of the numbers read
    for i, word in enumerate(w):
        if word not in UNIT_KINDS:
            continue
        before = i - 2 if i >= 2 and w[i - 1] == "research" else i - 1  # "14th Research"
        for at in (before, i + 1):  # ... or "Research Institute 32"
            number = _number(w[at]) if 0 <= at < len(w) else None
            if number is not None:
                numbered[word].add(number)
                used.add(at)
                break
    kind = next((k for k in UNIT_KINDS if numbered[k]), None)
    if kind is None or len(numbered[kind]) > 1:
        return None
    # Every other word is one of the group's ("13th and 14th": a number of no unit).
    said = [x for i, x in enumerate(w) if i not in used and x not in _FILLER | UNIT_KINDS_SET]
    if any(x not in group_words for x in said):
        return None
    return kind, next(iter(numbered[kind]))


def numbered_units(
    names: Mapping[int, Sequence[str]],
    parents: Mapping[int, set[int]],
    group_names: Mapping[int, Iterable[str]],
) -> dict[UnitKey, set[int]]:
    """Entities by the unit their names number, in each group they belong to.
    ``names``: each entity's Latin names, its own name first; ``parents``: its
    ``subsidiary_of`` objects; ``group_names``: the names and acronyms of every entity
    that is a parent."""
    found: dict[UnitKey, set[int]] = defaultdict(set)
    for entity_id, own in names.items():
        ancestors = _ancestors(entity_id, parents)
        if not ancestors or not own:
            continue
        group_words = {w for a in ancestors for n in group_names.get(a, ()) for w in words(n)}
        units = {u for name in own if (u := unit_of(name, group_words)) is not None}
        if len({kind for kind, _ in units}) < len(units):  # two numbers for one kind
            first = unit_of(own[0], group_words)
            units = {first} if first is not None else set()
        roots = {a for a in ancestors if not parents.get(a)}
        for unit in units:
            for root in roots:
                found[(root, *unit)].add(entity_id)
    return {key: ids for key, ids in found.items() if len(ids) > 1}


def _ancestors(entity_id: int, parents: Mapping[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    todo = list(parents.get(entity_id, ()))
    while todo:
        parent = todo.pop()
        if parent not in seen and parent != entity_id:
            seen.add(parent)
            todo.extend(parents.get(parent, ()))
    return seen
