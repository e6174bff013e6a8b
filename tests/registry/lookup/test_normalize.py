"""Name cleaning, legal forms, transliteration and slugs: our own tables, pinned here
(they replaced rigour/normality, which need PyICU; the golden set held every answer)."""

from __future__ import annotations

import pytest

from registry.names import normalize
from registry.names.legal_forms import LEGAL_FORMS
from registry.names.normalize import (
    ascii_text,
    is_legal_form,
    latin_tokens,
    normalize_name,
    slugify,
    strip_legal_forms,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Huawei Technologies Co., Ltd.", "huawei technologies co ltd"),
        ("S.A. de C.V.", "sa de cv"),  # full stops join
        ("Xi’an Aircraft", "xian aircraft"),  # so do apostrophes
        ("Sugon (Dawning)", "sugon dawning"),  # brackets separate
        ("AVIC–Xi'an", "avic xian"),  # so do dashes
        ("Hik\u00advision", "hikvision"),  # a soft hyphen pasted from a web page vanishes
        ("Zero\u200bWidth", "zerowidth"),
        ("Stra\u00dfe", "strasse"),  # full case folding
        ("Cafe\u0301", "cafe"),  # a combining accent vanishes
        ("Caf\u00e9", "caf\u00e9"),  # a precomposed one is left for ascii_text
        ("\u0130stanbul", "istanbul"),
        ("A\u3000B\tC\nD", "a b c d"),
        ("US$ 5", "us 5"),  # currency signs vanish
        ("A+B", "a b"),
        ("東京々ー", "東京々ー"),  # iteration and length marks stay in their word
        ("...", ""),
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        ("huawei technologies co ltd", "huawei technologies"),
        ("baidu inc", "baidu"),
        ("alibaba group holding limited", "alibaba group holding"),
        ("avicopter plc", "avicopter"),
        ("jsc npo almaz", "almaz"),
        ("open joint stock company kb radar", "radar"),  # the longest form first
        ("limited liability company dana", "dana"),  # not "liability company dana"
        ("акционерное общество концерн калашников", "концерн калашников"),
        ("bgi health hungary limited liability partnership branch", "bgi health hungary branch"),
        # Not legal forms: they stay.
        ("china electronics technology group corporation", None),
        ("hikvision group company", None),
        ("beijing yu yuan", None),  # a syllable of a Chinese name
        ("dennis ong", None),
        ("chan sau luen", None),
        ("ao gos mkb vympel im ii toropova", "gos mkb vympel im ii toropova"),  # initials
        ("ep ajc", None),  # an aircraft registration
        ("sci tech", None),
    ],
)
def test_strip_legal_forms(norm: str, expected: str | None) -> None:
    assert strip_legal_forms(norm) == (norm if expected is None else expected)


def test_legal_forms_are_written_as_normalize_name_leaves_them() -> None:
    assert all(normalize_name(form) == form for form in LEGAL_FORMS)


def test_no_legal_form_swallows_an_abbreviation_we_expand() -> None:
    # "Co", "Corp", "Sci", "Tech"... are expanded to words that matching weighs.
    assert not LEGAL_FORMS & set(normalize._VARIANTS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Baidu, Inc.", ("baidu",)),
        (
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            ("hangzhou", "hikvision", "digital", "technology"),
        ),
        ("Beijing Yu Yuan Technology Co., Ltd.", ("beijing", "yu", "yuan", "technology")),
        ("University of Science & Technology", ("university", "scitech")),
        ("Group Co Ltd", ("group",)),
        ("Limited Sirketi", ("limited", "sirketi")),  # nothing but legal forms: kept
        ("Ltd.", ("ltd",)),
        (
            "Nanjing Univ. of Aeronautical Tech",
            ("nanjing", "university", "aeronautics", "technology"),
        ),
        ("Øresund Défense Centre", ("oresund", "defense", "center")),
        ("АО «Концерн «Калашников»", ("kontsern", "kalashnikov")),
        ("", ()),
    ],
)
def test_latin_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert latin_tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Huawei", "Huawei"),
        ("Øresund Straße", "Oresund Strasse"),
        ("Kraków Łódź", "Krakow Lodz"),
        ("Калашников", "Kalashnikov"),  # as the lists spell it, not "Kalasnikov"
        ("Научно-Исследовательский", "Nauchno-Issledovatel'skiy"),
    ],
)
def test_ascii_text(text: str, expected: str) -> None:
    assert ascii_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Keys of list entities already in registries: these must not change.
        (
            "AVIC Xi’an Aircraft Industry Group Company Ltd.",
            "avic-xi-an-aircraft-industry-group-company-ltd",
        ),
        (
            "Gui’an New District Huawei Investment Co., Ltd., Guiyang, Guizhou",
            "gui-an-new-district-huawei-investment-co-ltd-guiyang-guizhou",
        ),
        (
            "China Electronics Technology Group Corporation (CETC)",
            "china-electronics-technology-group-corporation-cetc",
        ),
        ("Beijing-based  Co.", "beijing-based-co"),
        ("Ōsaka Ünion", "osaka-union"),
        ("63820部队", "63820-bu-dui"),  # Han read one syllable at a time
        ("...", None),
    ],
)
def test_slugify(text: str, expected: str | None) -> None:
    assert slugify(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Inc.", True), ("Co., Ltd.", True), ("S.A. de C.V.", True), ("", True), ("Baidu", False)],
)
def test_is_legal_form(text: str, expected: bool) -> None:
    assert is_legal_form(text) is expected
