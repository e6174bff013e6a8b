"""Chinese numerals that number a body, read as digits, and institutes in their short
form: the number is one word, whichever way a source wrote it."""

from __future__ import annotations

import pytest

from registry.names import numerals
from registry.names.normalize import compact, tokens


@pytest.mark.parametrize(
    ("numeral", "number"),
    [("二十八", 28), ("十四", 14), ("十", 10), ("一百零一", 101), ("七〇一", 701), ("两百", 200)],
)
def test_a_numeral_is_read_as_its_number(numeral: str, number: int) -> None:
    assert numerals.value(numeral) == number


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("中国电子科技集团公司第二十八研究所", "中国电子科技集团公司28所"),
        ("中国电科二十八所", "中国电科28所"),
        ("中国电科第28研究所", "中国电科28所"),
        ("中国航天科技集团第九研究院第771研究所", "中国航天科技集团9院771所"),
        ("中国人民解放军六三八二〇部队", "中国人民解放军63820部队"),
        # A numeral inside a name is a character of it.
        ("中国一重", "中国一重"),
        ("两岸关系研究中心", "两岸关系研究中心"),
    ],
)
def test_numbers_that_number_a_body_are_digits(text: str, read: str) -> None:
    assert numerals.with_digits(text) == read


def test_both_spellings_of_an_institute_are_one_key_and_the_number_is_a_word() -> None:
    long, short = "中国电子科技集团公司第二十八研究所", "中国电子科技集团公司28所"
    assert compact(long) == compact(short)
    assert "28" in tokens(long)
    assert compact("中国电科28所") != compact("中国电科14所")


def test_a_latin_ordinal_is_its_number() -> None:
    ordinal = tokens("The 28th Research Institute of CETC")
    assert set(ordinal) == set(tokens("CETC 28 Research Institute"))
    assert numerals.cardinal("1st") == "1" and numerals.cardinal("fifth") == "5"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("CASC First Academy", "CASC 1st Academy"),
        ("Second Academy of CASIC", "2nd Academy of CASIC"),
        ("CETC Fourteenth Research Institute", "CETC 14th Research Institute"),
        ("CETC No. 14 Research Institute", "CETC 14 Research Institute"),
        ("CSSC No.701 Research Institute", "CSSC 701st Research Institute"),
    ],
)
def test_an_ordinal_written_out_or_after_no_is_its_number(one: str, other: str) -> None:
    assert tokens(one) == tokens(other)


def test_no_as_a_word_or_inside_one_stays() -> None:
    assert "no" in tokens("Say No More Co")
    assert tokens("Casino 5 Co") == ("casino", "5", "company")
