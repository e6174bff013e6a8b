"""Parents that a listed name states itself.

Lists name units of state groups by their place in the group: "China Electronics
Technology Group Corporation 13th Research Institute", "China Aerospace Science and
Industry Corporation Second Academy. Subordinate Institution - 201 Research Institute",
"CNOOC Limited (a subsidiary of China National Offshore Oil Corporation)". The name then
says who the parent is, and that is a fact the row backs. Only three shapes count:

- ``<parent>. Subordinate Institution - <unit>`` (the listing's own words for the tie);
- ``<unit> (a subsidiary of <parent>)`` / ``(a subordinate institute of <parent>)``;
- ``<parent> <numbered unit>``: a group's name followed by a numbered or ordinal unit
  ("13th Research Institute", "No. 28 Institute", "1st Academy", "3rd Academy's 159
  Factory") at the end of the name, where the part before names an organisation (it holds
  a word such as Corporation, Group, Academy).

"54th Research Institute of China" states no parent ("China" is not an organisation), and
"System Equipment Co., Ltd. of the 28th Research Institute" is left alone: "of" names a
location as often as an owner. Anything else is no parent: a tie read into a name that
does not state it would be a claim no source makes.
"""

from __future__ import annotations

import re

from registry.names.numerals import ORDINAL_WORDS

_SUBORDINATE = re.compile(r"^(?P<parent>.+?)\.?\s+Subordinate Institution\s*[-–]\s*(?P<unit>.+)$")
# "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Huawei Marine Networks Co.,
# Ltd.": the affiliate's own name, but no parent: an affiliate need not be a subsidiary.
_AFFILIATE = re.compile(r"^(?P<parent>.+?)\.?\s+Affiliated Entity\s*:\s*(?P<unit>.+)$")
_SUBSIDIARY_OF = re.compile(
    r"^(?P<unit>.+?)\s*\(an? (?:subsidiary|subordinate institute|subordinate unit) of "
    r"(?P<parent>[^()]+(?:\([^()]*\)[^()]*)*)\)$",
    re.IGNORECASE,
)
_ORDINAL_WORD = "|".join(word.capitalize() for word in ORDINAL_WORDS)
_NUMBER = rf"(?:No\.\s*)?\d+(?:st|nd|rd|th)?|{_ORDINAL_WORD}"
_UNIT_WORDS = (
    r"(?:Research\s+)?(?:Institute|Academy|Factory|Plant|Test\s+Cent(?:er|re)|"
    r"Design\s+Department|Research\s+Cent(?:er|re))"
)
_NUMBERED_UNIT = re.compile(
    rf"^(?P<parent>.+?)(?:,|'s|’s|\.)?\s+(?P<unit>(?:{_NUMBER})\s+{_UNIT_WORDS}"
    rf"(?:\s*\([A-Z][A-Za-z0-9 -]*\))?)$"
)
# Words that make the part before a numbered unit an organisation's name.
_ORGANISATION = re.compile(
    r"\b(?:Corporation|Corp\.?|Group|Company|Co\.|Limited|Ltd\.?|Academy|Administration|"
    r"University|Industries|Industry)\b",
    re.IGNORECASE,
)

# "... Co., Ltd. of the 28th Research Institute": the unit is not the end of a parent's name.
_DANGLING = re.compile(r"\b(?:of|the|and|for|at|in)$", re.IGNORECASE)


def stated_parent(name: str) -> str | None:
    """The parent organisation that ``name`` itself states, as written there; else None."""
    name = " ".join(name.split())
    for shape in (_SUBORDINATE, _SUBSIDIARY_OF):
        match = shape.match(name)
        if match:
            return _tidy(match.group("parent"))
    match = _NUMBERED_UNIT.match(name)
    if match is None:
        return None
    parent = match.group("parent")
    if _ORGANISATION.search(parent) and not _DANGLING.search(parent):
        return _tidy(parent)
    return None


def parent_chain(name: str) -> list[str]:
    """Each parent the name states, nearest first: a unit of an academy of a group gives
    [academy, group]."""
    chain: list[str] = []
    current = stated_parent(name)
    while current and current not in chain:
        chain.append(current)
        current = stated_parent(current)
    return chain


def unit_name(name: str) -> str | None:
    """The unit's own short name where the listing gives one ("Tonghui Electronics" in
    "... Subordinate Institution - Tonghui Electronics", an affiliate's after "Affiliated
    Entity:"), else None."""
    name = " ".join(name.split())
    match = _SUBORDINATE.match(name) or _AFFILIATE.match(name)
    return match.group("unit").strip() if match else None


def without_stated_parent(name: str) -> str:
    """``"CNOOC Limited (a subsidiary of ...)"`` -> ``"CNOOC Limited"``; other names as is."""
    match = _SUBSIDIARY_OF.match(" ".join(name.split()))
    return match.group("unit").strip() if match else name


def _tidy(parent: str) -> str:
    return parent.strip().rstrip(",").strip()
