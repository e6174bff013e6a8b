"""Namesakes of listed organisations are a "did you mean", never a match; typos in a
listed name still are. The golden set (test_golden.py, namesakes.csv) measures this on
hundreds of real names; these tests pin each rule on its own."""

from __future__ import annotations

import pytest

from registry.lookup import MatchStatus, NameIndex, namesakes
from registry.lookup.types import MatchKind


@pytest.mark.parametrize(
    "query",
    [
        "Northwestern University",  # Northeastern University; Northwestern Polytechnical
        "Southwest University",  # Southwest University of Science and Technology
        "Southern University",  # Southern University of Science and Technology
        "Kiekert AG",  # Kiekert USA Inc.
        "China Airlines",  # China Cargo Airlines Co., Ltd.
        "CoStar Group, Inc.",  # Costar Group Co., Ltd.
        "Continental AG",  # Continental Aerospace Technologies, Inc.
        "University of Liverpool",  # Xi'an Jiaotong-Liverpool University
        "China University of Science and Technology",  # (Taipei) USTC
    ],
)
def test_namesakes_are_never_a_confident_match(bundled_index: NameIndex, query: str) -> None:
    result = bundled_index.lookup(query)
    assert result.status is not MatchStatus.MATCH, result.candidates[:2]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Hikvison", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        ("Hikvsion Digital Technology", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        ("Tsinghau University", "Tsinghua University"),
        ("Tsinghau", "Tsinghua University"),
        ("Northwestern Polytecnical University", "Northwestern Polytechnical University"),
        ("Southeast Univeristy", "Southeast University"),
        ("Kiekert USA", "Kiekert USA Inc."),
        ("Costar Group Co Ltd", "Costar Group Co., Ltd."),
        ("Cirrus Design", "Cirrus Design Corporation"),
    ],
)
def test_typos_and_short_forms_of_listed_names_still_match(
    bundled_index: NameIndex, query: str, name: str
) -> None:
    result = bundled_index.lookup(query)
    assert result.status is MatchStatus.MATCH and result.best is not None
    assert result.best.name == name


def test_a_suggestion_says_why_it_is_not_a_match(bundled_index: NameIndex) -> None:
    hows = {c.name: c.how for c in bundled_index.lookup("Northwestern University").candidates}
    northeastern = hows["Northeastern University"].held_back or ""
    assert "'northwestern' is a word of its own" in northeastern
    # Through its name (common words only) or, since the whole Entity List, through an
    # alias of one of its institutes: either way a suggestion that says why.
    npu = hows["Northwestern Polytechnical University"]
    assert npu.kind is MatchKind.PARTIAL or "common word" in (npu.held_back or "")
    kiekert = bundled_index.lookup("Kiekert AG").best
    assert kiekert is not None and "adds usa" in (kiekert.how.held_back or "")
    costar = bundled_index.lookup("CoStar Group, Inc.").best
    assert costar is not None and costar.how.held_back == "another legal form"


def _index(*names: str) -> NameIndex:
    index = NameIndex()
    for i, name in enumerate(names, 1):
        index.add_name(i, name, "name")
    return index


def test_a_real_word_read_as_another_is_a_suggestion() -> None:
    index = _index("Northeastern University", "Northwestern Polytechnical University")
    assert index.lookup("Northwestern University").status is MatchStatus.AMBIGUOUS
    # A misspelling that is no word of its own is a typo.
    found = index.lookup("Northeastren University")
    assert found.status is MatchStatus.MATCH and found.best is not None
    assert found.best.entity_id == 1
    # So is a slip between a word's singular and plural.
    index = _index("Zhongjie Communication Systems")
    assert index.lookup("Zhongjie Communication System").status is MatchStatus.MATCH


def test_part_of_a_name_matches_through_a_coined_word_not_a_common_one() -> None:
    index = _index("Zhejiang Dahua Technology", "Southern University of Science and Technology")
    assert index.lookup("Dahua").status is MatchStatus.MATCH
    assert index.lookup("Southern University").status is MatchStatus.AMBIGUOUS


def test_a_subsidiary_abroad_is_not_its_parent() -> None:
    index = _index("Kiekert USA Inc.", "Huawei Technologies Co., Ltd.")
    assert index.lookup("Kiekert").status is MatchStatus.AMBIGUOUS
    assert index.lookup("Huawei").status is MatchStatus.MATCH


def test_legal_forms_of_other_jurisdictions_tell_companies_apart() -> None:
    index = _index("Costar Group Co., Ltd.", "Merit Automotive Electronics Systems S.L.U")
    assert index.lookup("CoStar Group, Inc.").status is MatchStatus.AMBIGUOUS
    assert index.lookup("Costar Group Limited").status is MatchStatus.MATCH
    assert index.lookup("Costar Group").status is MatchStatus.MATCH
    assert index.lookup("Merit Automotive Electronics Systems").status is MatchStatus.MATCH


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Kiekert AG", "de"),
        ("Kiekert USA Inc.", "us"),
        ("Costar Group Co., Ltd.", "ltd"),
        ("John Holland Group Pty Ltd.", "ltd"),
        ("Merit Automotive Electronics Systems S.L.U", "romance"),
        ("Leonardo S.p.A.", "romance"),
        ("ASML Holding N.V.", "nl"),
        ("FACC AG (Austria)", "de"),
        ("Aisino Corporation", None),
        ("AG", None),
    ],
)
def test_legal_family(name: str, family: str | None) -> None:
    assert namesakes.legal_family(name) == family


def test_ordinary_words_and_inflections() -> None:
    assert all(map(namesakes.is_ordinary, ["southern", "airlines", "industries", "systems"]))
    assert not any(map(namesakes.is_ordinary, ["hikvision", "tsinghua", "kiekert", "harbin"]))
    assert namesakes.inflections("system", "systems")
    assert namesakes.inflections("industries", "industry")
    assert not namesakes.inflections("northwestern", "northeastern")


def test_a_typo_match_beats_a_longer_name_found_through_the_same_typo() -> None:
    index = _index("Chongqing University", "Chongqing University of Technology")
    found = index.lookup("Chongqng University")
    assert found.status is MatchStatus.MATCH and found.best is not None
    assert found.best.entity_id == 1
