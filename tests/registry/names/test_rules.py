"""The name rules on their own: abbreviations fold both ways, what an alias may not be."""

from __future__ import annotations

import pytest

from registry.names.abbreviations import EXPANSIONS, singular
from registry.names.aliases import empty_alias
from registry.names.normalize import tokens
from registry.names.places import COUNTRY_CODES, PLACES, without_address

WRITTEN_OUT = [
    ("Beijing Imp & Exp Co", "Beijing Import and Export Company"),
    ("Beijing Imp. & Exp. Co., Ltd.", "Beijing Import & Export Co., Ltd."),
    ("China Intl Tech Grp", "China International Technology Group"),
    ("Harbin Elec Eng Corp", "Harbin Electronics Engineering Corporation"),
    ("Shanghai Inst of Sci & Tech", "Shanghai Institute of Science and Technology"),
    ("Nanjing Univ", "Nanjing University"),
    ("Chinese Acad of Sci", "Chinese Academy of Science"),
    ("Wuhan Heavy Ind Co", "Wuhan Heavy Industry Company"),
]


@pytest.mark.parametrize(("short", "long"), WRITTEN_OUT)
def test_abbreviations_fold_both_ways(short: str, long: str) -> None:
    assert tokens(short) == tokens(long)


@pytest.mark.parametrize(("short", "long"), sorted(EXPANSIONS.items()))
def test_every_abbreviation_reads_as_its_word(short: str, long: str) -> None:
    assert tokens(f"Alpha {short} Beta") == tokens(f"Alpha {long} Beta")


@pytest.mark.parametrize(
    "name",
    [
        "China",
        "(China)",
        "PRC",
        "Hong Kong",
        "Co., Ltd.",
        "Limited",
        "Group",
        "中国",
        "有限公司",
        "(Shanghai)",
        "有限公司 Co., Ltd.",
        "中国 China",
        "株式会社",
        *sorted(COUNTRY_CODES),
        *sorted(p.replace("-", " ").title() for p in PLACES),
    ],
)
def test_a_place_country_form_or_generic_word_is_no_alias(name: str) -> None:
    assert empty_alias(name) is not None


@pytest.mark.parametrize(
    "name",
    ["Huawei", "CETC", "China Electronics", "Chinese Academy of Sciences", "海能达", "BGI"],
)
def test_a_name_is_an_alias(name: str) -> None:
    assert empty_alias(name) is None


def test_a_name_with_a_han_legal_form_is_still_a_name() -> None:
    # Only the Han part is a legal form: the Latin words name the organisation, so the
    # name joins on the next load (a name refused here is never found again).
    assert empty_alias("MGI Tech Japan 株式会社") is None
    assert empty_alias("Acme Robotics 有限公司") is None
    assert empty_alias("北京 Zhongke Sugon") is None


def test_an_acronym_may_spell_a_legal_form_but_not_a_country() -> None:
    assert empty_alias("SPA", acronym=True) is None
    assert empty_alias("PRC", acronym=True) is not None


@pytest.mark.parametrize(
    ("word", "one"),
    [("electronics", "electronic"), ("technologies", "technology"), ("industries", "industry")],
)
def test_singular(word: str, one: str) -> None:
    assert singular(word) == one and singular(one) == one


@pytest.mark.parametrize(
    ("listed", "name"),
    [
        (
            "HiSilicon Technologies Co., Ltd (HiSilicon), Bantian Longgang District",
            "HiSilicon Technologies Co., Ltd (HiSilicon)",
        ),
        ("Suzhou Acme Investment Co., Ltd., Suzhou, Jiangsu", "Suzhou Acme Investment Co., Ltd."),
        ("Acme Optics Co., Ltd., Guangdong", "Acme Optics Co., Ltd."),
        ("Acme Optics Co., Ltd., Wuhan, Hubei Province", "Acme Optics Co., Ltd."),
        ("Acme Optics Co., Ltd., Langfang, Hebei", "Acme Optics Co., Ltd."),
        # A place in brackets is the list's own; what follows no legal form, or is no
        # place, stays.
        ("Acme Optics (Shanghai) Co., Ltd.", "Acme Optics (Shanghai) Co., Ltd."),
        ("Naval training base - Shanwei, Guangdong", "Naval training base - Shanwei, Guangdong"),
        ("Acme Co., Ltd., Research Department", "Acme Co., Ltd., Research Department"),
        ("Acme Co., Ltd., Nanjing, Research Unit", "Acme Co., Ltd., Nanjing, Research Unit"),
    ],
)
def test_an_address_written_after_the_legal_form_is_no_part_of_the_name(
    listed: str, name: str
) -> None:
    assert without_address(listed) == name
