"""Word order around "of China": "China" that begins the owner's name may move ("28th
Research Institute of China Electronics Technology Group Corporation" is "China
Electronics Technology Group Corporation 28th Research Institute"); "China" that
qualifies the whole may not ("China University of Science and Technology", in Taipei, is
not the "University of Science and Technology of China"). Checked over every such name
in the bundled registry."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import select

from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.lookup.namesakes import is_legal_form
from registry.models import Alias, Entity
from registry.names import normalize
from registry.service import Registry

# "<what> of <owner>", the owner's name beginning with China and going on.
_OF_OWNER = re.compile(r"^(?:the\s+)?(?P<what>.+?)\s+of\s+(?P<owner>China\s+\w.*)$", re.I)
# "<what> of China", China ending the name (but for its legal form).
_OF_CHINA = re.compile(r"^(?P<what>.+?)\s+of\s+China(?P<form>[\s,.]+\w.*)?$", re.I)


@pytest.fixture(scope="module")
def names(
    bundled_reader: Registry, bundled_index: NameIndex
) -> tuple[NameIndex, dict[str, set[int]]]:
    """The index, and every Latin name or alias with the organisations that hold it."""
    holders: dict[str, set[int]] = defaultdict(set)
    with unit_of_work(bundled_reader.sessions) as session:
        rows = [*session.execute(select(Entity.id, Entity.name))]
        rows += session.execute(select(Alias.entity_id, Alias.name).where(~Alias.weak))
    for entity_id, name in rows:
        if not normalize.has_han(name):
            holders[name].add(entity_id)
    return bundled_index, holders


def _by_words(holders: dict[str, set[int]]) -> dict[frozenset[str], set[int]]:
    """Organisations by the words of their names, in any order."""
    out: dict[frozenset[str], set[int]] = defaultdict(set)
    for text, owners in holders.items():
        out[frozenset(normalize.tokens(text))] |= owners
    return out


def _only_forms(text: str) -> bool:
    """``text`` is nothing but legal forms ("Ltd.", "Co., Ltd."): China ends the name."""
    return all(is_legal_form(word) for word in re.findall(r"\w+", text.lower()))


def test_the_owners_name_first_finds_the_same_body(
    names: tuple[NameIndex, dict[str, set[int]]],
) -> None:
    index, holders = names
    same_words = _by_words(holders)
    asked, wrong = 0, []
    for text in sorted(holders):
        found = _OF_OWNER.match(text)
        if found is None or "(" in text or _only_forms(found["owner"].split(maxsplit=1)[1]):
            continue
        query = f"{found['owner']} {found['what']}"
        allowed = same_words[frozenset(normalize.tokens(query))]
        asked += 1
        result = index.lookup(query)
        best = result.best
        if result.status is not MatchStatus.MATCH or best is None or best.entity_id not in allowed:
            wrong.append((query, result.status, best.name if best else None))
    assert not wrong, wrong[:10]
    assert asked >= 10


def test_china_moved_from_the_end_is_no_confident_match(
    names: tuple[NameIndex, dict[str, set[int]]],
) -> None:
    index, holders = names
    held = set(_by_words(holders))
    asked, wrong = 0, []
    for text in sorted(holders):
        found = _OF_CHINA.match(text)
        if found is None or (found["form"] and not _only_forms(found["form"])):
            continue
        query = f"China {found['what']}"
        if frozenset(normalize.tokens(query)) in held - {frozenset(normalize.tokens(text))}:
            continue  # another name of the registry has these words
        asked += 1
        result = index.lookup(query)
        best = result.best
        # (Another name of the same organisation may still answer: "China 54th Research
        # Institute" is CETC's "... (CETC) 54th Research Institute".)
        if result.status is MatchStatus.MATCH and best is not None and best.matched_on == text:
            wrong.append((query, best.name))
    assert not wrong, wrong[:10]
    assert asked >= 10
