"""Chinese numerals that number a body, read as digits.

Lists and sources write one institute's number both ways: CETC's 28th institute is
"中国电子科技集团公司第二十八研究所" in one source and "中国电科28所" in another, its 14th
"第14研究所". Read as digits, the number is a word of its own that tells two institutes
apart, whichever way either was written. Only numbers that number something are read:
after 第 ("第二十八"), or before the 所/院/部队 they number ("二十八所", "五院"); a
numeral inside a name ("中国一重") stays a character. A numbered institute or academy
is read in its short form, as people say it: "第28研究所" is "28所", "第五研究院" "5院".
In Latin script an ordinal is its number ("28th" is "28", "Second" is "2"), and "No."
before a number is left out.
"""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100}
DIGIT_RUN = re.compile(r"\d+")
_NUMERAL = f"[{''.join(_DIGITS)}{''.join(_UNITS)}]+"
# What a number numbers, longest first (研究所 before 所).
_NUMBERED = ("研究所", "研究院", "部队", "所", "院")
_NUMBER = re.compile(rf"(?<=第){_NUMERAL}|{_NUMERAL}(?={'|'.join(_NUMBERED)})")
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
# Ordinals written out, as units are numbered in words ("Second Academy of CASIC",
# "CASC First Academy"): read as their numbers, like "2nd" and "1st".
ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
}
# "No. 14 Research Institute": the sign before a number says nothing of which.
_NUMBER_SIGN = re.compile(r"\bno\.?\s*(?=\d)", re.IGNORECASE)
# "第28研究所" and "28所" are one institute, "第5研究院" and "5院" one academy.
_LONG_FORM = re.compile(r"第?(\d+)(?:研究)?([所院])")


def value(numeral: str) -> int:
    """The number a Chinese numeral writes: "二十八" is 28, "十四" 14, "一百零一" 101, and
    "七〇一", written digit by digit, 701."""
    if not any(unit in numeral for unit in _UNITS):
        return int("".join(str(_DIGITS[ch]) for ch in numeral))
    total = current = 0
    for ch in numeral:
        if ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def with_digits(text: str) -> str:
    """``text`` with each number that numbers a body written in digits, and each
    numbered institute or academy in its short form ("第二十八研究所" is "28所")."""
    return _LONG_FORM.sub(r"\1\2", _NUMBER.sub(lambda m: str(value(m.group())), text))


def numbers(text: str) -> list[str]:
    """The numbers of a Chinese name, in digits, in order."""
    return DIGIT_RUN.findall(with_digits(text))


def cardinal(word: str) -> str:
    """A Latin word, an ordinal as its number: "28th" is "28", "second" is "2"
    (``ORDINAL_WORDS``: first to twentieth)."""
    ordinal = _ORDINAL.fullmatch(word)
    if ordinal:
        return ordinal.group(1)
    number = ORDINAL_WORDS.get(word)
    return str(number) if number is not None else word


def without_number_sign(text: str) -> str:
    """ "CETC No. 14 Research Institute" -> "CETC 14 Research Institute"."""
    return _NUMBER_SIGN.sub("", text)
