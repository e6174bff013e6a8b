"""Slips in the words that reading a name rewrites (legal forms, British and adjective
spellings, "Science and Technology"): the name is found as if spelt right, and the answer
says that it was read with a typo. Checked over every listed name of the bundled
registry, as is "Company Limited" written for "Co., Ltd."."""

from __future__ import annotations

import re

import pytest

from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex, typos
from registry.lookup.types import MatchKind
from registry.names.script import has_han
from registry.service import Registry
from registry.views.queries import entity_names, legally_listed_ids

# Lists whose entries are organisations named by a publisher (ASPI's tracker rates
# universities; its names are read the same way, but it is no list).
_CO_LTD = re.compile(r"\bCo\.,? Ltd\.?$")


def test_a_slip_in_a_rewritten_word_is_respelt() -> None:
    respelt, count = typos.respell("CETC Potevio Science & Technlogy Co., Limted", set())
    assert respelt == "CETC Potevio Science & technology Co., limited"
    assert count == 2
    assert typos.respell("Beijing Aeronatical Institute", set()) == (
        "Beijing aeronautical Institute",
        1,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Limted Brands",  # an index word: some name has it
        "Centex Corp",  # two edits from "centre": no slip of it
        "Holdins Ltd",  # one edit from "holding" and from "holdings": which?
        "Tecnology",  # ... is respelt; "Sci" and "Ltd" are too short to be slips
    ],
)
def test_index_words_far_words_ties_and_short_words_are_left_as_typed(text: str) -> None:
    respelt, count = typos.respell(text, {"limted"})
    if text == "Tecnology":
        assert (respelt, count) == ("technology", 1)
    else:
        assert (respelt, count) == (text, 0)
    assert typos.respell("Sci Ltd", set()) == ("Sci Ltd", 0)


@pytest.fixture(scope="module")
def listed(bundled_reader: Registry, bundled_index: NameIndex) -> tuple[NameIndex, list[str]]:
    """The bundled registry's index and the Latin name of every listed organisation."""
    with unit_of_work(bundled_reader.sessions) as session:
        ids = legally_listed_ids(session)
        names = sorted(n for n in entity_names(session, ids).values() if not has_han(n))
    return bundled_index, names


def _slip(word: str) -> str:
    """``word`` with its middle letter left out."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


def _rewritten_word(name: str) -> str | None:
    for word in re.findall(r"[A-Za-z]+", name):
        if word.lower() in typos.REWRITTEN_WORDS and typos.typo_budget(_slip(word.lower())):
            return word
    return None


def test_over_every_listed_name_a_slip_in_a_rewritten_word_finds_the_same_organisation(
    listed: tuple[NameIndex, list[str]],
) -> None:
    index, names = listed
    asked, wrong = 0, []
    for name in names:
        word = _rewritten_word(name)
        if word is None:
            continue
        query = re.sub(rf"\b{word}\b", _slip(word), name, count=1)
        right, slipped = index.lookup(name).best, index.lookup(query).best
        assert right is not None
        asked += 1
        if slipped is None or slipped.entity_id != right.entity_id:
            wrong.append((query, slipped.name if slipped else None))
        elif slipped.how.kind in (MatchKind.EXACT, MatchKind.REORDERED):
            wrong.append((query, f"read without its typo: {slipped.how.text()}"))
    assert not wrong, wrong[:10]
    assert asked >= 300  # (else the test proves little)


def test_over_every_listed_name_company_limited_answers_as_co_ltd(
    listed: tuple[NameIndex, list[str]],
) -> None:
    index, names = listed
    asked, wrong = 0, []
    for name in names:
        if not _CO_LTD.search(name):
            continue
        query = _CO_LTD.sub("Company Limited", name)
        right, spelled = index.lookup(name), index.lookup(query)
        asked += 1
        same = spelled.best is not None and spelled.best.entity_id == right.best.entity_id
        if not same or spelled.status is not right.status:
            wrong.append((query, spelled.status.name, spelled.best.name if spelled.best else None))
    assert not wrong, wrong[:10]
    assert asked >= 300


def test_a_slip_in_a_legal_form_is_a_typo_not_a_missing_word(
    listed: tuple[NameIndex, list[str]],
) -> None:
    index, _ = listed
    result = index.lookup("China Mobile Limted")
    assert result.status is MatchStatus.MATCH
    assert result.best is not None and result.best.name == "China Mobile Limited"
    assert result.best.how.kind is MatchKind.TYPO and result.best.typos == 1


def test_a_word_typed_for_two_joined_is_split_where_both_are_words_of_names() -> None:
    known = {"ti", "technology", "master", "university", "industry", "sino", "hikvision"}
    assert typos.split_joined("titech", known) == ("ti", "technology")
    assert typos.split_joined("masteruni", known) == ("master", "university")
    assert typos.split_joined("hikvison", known) is None  # no two words of names
    assert typos.split_joined("abcdef", {"ab", "cdef", "abc", "def"}) is None  # two ways


def test_over_every_listed_name_its_hyphenated_words_typed_joined_find_it(
    listed: tuple[NameIndex, list[str]],
) -> None:
    index, names = listed
    asked, wrong = 0, []
    for name in names:
        if not re.search(r"[A-Za-z]-[A-Za-z]", name):
            continue
        query = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", "", name)
        right, joined = index.lookup(name).best, index.lookup(query).best
        assert right is not None
        asked += 1
        if joined is None or joined.entity_id != right.entity_id:
            wrong.append((query, joined.name if joined else None))
    assert len(wrong) <= asked // 50, wrong  # a joined word that splits two ways
    assert asked >= 40
