"""Turn organisation names, as published or as typed, into comparable tokens.

Latin script: case folded, punctuation split off by Unicode category, legal forms
removed (``legal_forms``), other scripts transliterated and accents folded (anyascii),
common abbreviations and British spellings mapped to one form. Han script: traditional
folded to simplified with OpenCC, then character bigrams, so partial names
("国防科技大学") still share most tokens.

Everything here installs from wheels on every platform (no ICU): the name cleaning and
the legal forms are our own tables, pinned by ``tests/registry/lookup/test_normalize.py``.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache
from unicodedata import category

import opencc
from anyascii import anyascii

from registry.names import numerals, script
from registry.names.abbreviations import VARIANTS as _VARIANTS

# Re-exported: the index and the mention scanner read them as ``normalize.GENERIC``.
from registry.names.generic import GENERIC as GENERIC
from registry.names.generic import SCIENCE, TECHNOLOGY
from registry.names.generic import SCIENCE_AND_TECHNOLOGY as SCIENCE_AND_TECHNOLOGY
from registry.names.generic import STOPWORDS as STOPWORDS
from registry.names.legal_forms import (
    LEGAL_FORMS,
    without_han_company_suffix,
    without_han_group_form,
)
from registry.names.script import has_han as has_han

_T2S = opencc.OpenCC("t2s")
_HAN, _NOT_HAN = script.HAN, script.NOT_HAN


_SLUG_CHARS = frozenset(string.ascii_lowercase + string.digits + " ")


# -- name cleaning ----------------------------------------------------------------------


class _ByCategory(dict[int, str | None]):
    """A ``str.translate`` table filled on first sight of each character: its Unicode
    general category says whether it separates words (" "), vanishes (None) or stays."""

    def __init__(self, actions: dict[str, str | None], chars: dict[str, str | None]) -> None:
        super().__init__()
        self.actions, self.chars = actions, chars

    def __missing__(self, codepoint: int) -> str | None:
        ch = chr(codepoint)
        action = self.chars[ch] if ch in self.chars else self.actions.get(category(ch), ch)
        self[codepoint] = action
        return action


_SEP, _DROP = " ", None
# Punctuation, spaces and most symbols separate words; marks, format characters, currency
# and modifier symbols vanish inside a word (soft hyphens and zero-width spaces pasted from
# web pages, combining accents); letters and digits stay.
_SEPARATING = {
    **dict.fromkeys(["Zs", "Zl", "Zp", "Cc", "Mc", "Sm", "So"], _SEP),
    **dict.fromkeys(["Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"], _SEP),
    **dict.fromkeys(["Cf", "Co", "Cn", "Cs", "Lm", "Mn", "Me", "No", "Sc", "Sk"], _DROP),
}
# In a name, full stops and apostrophes join ("S.A." is "sa", "Xi'an" is "xian"); the
# Japanese iteration and length marks are part of the word they are in.
_NAME_CHARS: dict[str, str | None] = {".": _DROP, "'": _DROP, "’": _DROP, "々": "々", "ー": "ー"}
_NAME_TABLE = _ByCategory(_SEPARATING, _NAME_CHARS)
# In a slug, modifier letters and combining marks stay for the transliteration to read.
_SLUG_TABLE = _ByCategory(
    {k: v for k, v in _SEPARATING.items() if k not in ("Lm", "Mn", "Cc")} | {"Cc": _DROP}, {}
)


def normalize_name(text: str) -> str:
    """Case-folded words of a name, separated by single spaces: "Co., Ltd." is "co ltd"."""
    return " ".join(text.casefold().translate(_NAME_TABLE).split())


def _legal_form_index() -> dict[str, tuple[tuple[str, ...], ...]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for form in LEGAL_FORMS:
        words = tuple(form.split())
        by_first.setdefault(words[0], []).append(words)
    return {first: tuple(sorted(forms, key=len, reverse=True)) for first, forms in by_first.items()}


_LEGAL_FORMS_BY_FIRST_WORD = _legal_form_index()


def strip_legal_forms(norm: str) -> str:
    """``norm`` (from ``normalize_name``) without its legal forms, the longest first:
    "huawei technologies co ltd" is "huawei technologies"."""
    words = norm.split()
    kept: list[str] = []
    i = 0
    while i < len(words):
        for form in _LEGAL_FORMS_BY_FIRST_WORD.get(words[i], ()):
            if tuple(words[i : i + len(form)]) == form:
                i += len(form)
                break
        else:
            kept.append(words[i])
            i += 1
    return " ".join(kept)


def is_legal_form(text: str) -> bool:
    """True for a text that is nothing but legal forms ("Inc.", "Co., Ltd."), or empty."""
    return not strip_legal_forms(normalize_name(text))


def ascii_text(text: str) -> str:
    """``text`` in ASCII: accents folded, other scripts transliterated ("Öl" is "Ol")."""
    return text if text.isascii() else anyascii(text)


def slugify(text: str, sep: str = "-") -> str | None:
    """An ASCII key part, "Xi’an Aircraft Co., Ltd." -> "xi-an-aircraft-co-ltd"; None
    when nothing is left. Han characters are read one by one, as separate syllables."""
    text = unicodedata.normalize("NFKD", text.lower().replace(sep, " ")).translate(_SLUG_TABLE)
    text = " ".join(ascii_text(_HAN.sub(lambda m: f" {m.group()} ", text)).lower().split())
    return "".join(ch for ch in text if ch in _SLUG_CHARS).replace(" ", sep) or None


def clean(text: str) -> str:
    """Strip control characters and collapse whitespace: what a typed query becomes."""
    if text.isprintable():  # no control characters: skip the per-character scan
        return " ".join(text.split())
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())


# Names already read, here or in an earlier build: ``registry.lookup.readings`` keeps them
# beside a saved index, so a rebuild skips pypinyin's import and ICU's transliterator for
# names it has read before. Only recorded while ``RECORDING`` (during such a rebuild).
READINGS: dict[str, str] = {}  # Han text -> toneless pinyin
TOKENS: dict[str, tuple[str, ...]] = {}  # name -> latin_tokens
RECORDING = False


@lru_cache(maxsize=65536)
def latin_tokens(text: str) -> tuple[str, ...]:
    known = TOKENS.get(text)
    if known is not None:
        return known
    found = _latin_tokens(text)
    if RECORDING:
        TOKENS[text] = found
    return found


def _latin_tokens(text: str) -> tuple[str, ...]:
    norm = normalize_name(numerals.without_number_sign(text.replace("&", " and ")))
    if not norm:
        return ()
    stripped = strip_legal_forms(norm) or norm
    words = ascii_text(stripped).lower().split()
    out: list[str] = []
    for word in words:
        word = numerals.cardinal(_VARIANTS.get(word, word))
        if word and word not in STOPWORDS:
            if word == TECHNOLOGY and out and out[-1] == SCIENCE:
                # One word in Chinese (科技): a "University of Science and Technology" is
                # another kind of body than a "University of Technology" (理工, 工业).
                out[-1] = SCIENCE_AND_TECHNOLOGY
            else:
                out.append(word)
    # A name that is nothing but a legal form ("Group Co Ltd") keeps its words.
    return tuple(out)


@cache
def _is_traditional(ch: str) -> bool:
    return _T2S.convert(ch) != ch


@lru_cache(maxsize=65536)
def han_text(text: str) -> str:
    han = "".join(_NOT_HAN.split(text))
    # OpenCC (pure Python) costs ~90 us a name; most names are already simplified, and a
    # name whose every character is its own simplified form needs no phrase conversion.
    if any(_is_traditional(ch) for ch in han):
        han = "".join(_NOT_HAN.split(_T2S.convert(han)))
    return han


def han_tokens(text: str) -> tuple[str, ...]:
    han = without_han_group_form(han_text(text))
    if len(han) <= 1:
        return (han,) if han else ()
    bigrams = [han[i : i + 2] for i in range(len(han) - 1)]
    # One wrong character breaks two bigrams; the pair around it (skipping it) survives,
    # so 重乐坤润 still shares 重…坤 with 重庆坤润.
    skips = [f"{han[i]}…{han[i + 2]}" for i in range(len(han) - 2)]
    return tuple(bigrams + skips)


def tokens(text: str) -> tuple[str, ...]:
    """Comparable tokens of a name in any script we handle. A Chinese name's numbers are
    words in digits ("第二十八研究所" has the word "28")."""
    text = clean(text)
    if has_han(text):
        text = numerals.with_digits(text)
        return han_tokens(text) + latin_tokens(_HAN.sub(" ", text))
    return latin_tokens(text)


def compact(text: str) -> str:
    """One key without spaces: pinyin typed run-together, acronyms, spacing slips. A
    Chinese name keeps its digits and Latin letters: "中国电科28所" and "中国电科14所"
    are two institutes, "中国联通(BVI)" is not "中国联通"."""
    text = clean(text)
    if has_han(text):
        text = numerals.with_digits(unicodedata.normalize("NFKC", text))
        return _read_runs(_code_runs(without_han_group_form(text)), han_text)
    return "".join(latin_tokens(text))


def _code_runs(text: str) -> list[str]:
    """A name's runs of Han characters and of digits or Latin letters, in order (NFKC:
    full-width "２８" is "28"); anything else (spaces, brackets) only separates them."""
    return script.HAN_OR_CODE.findall(unicodedata.normalize("NFKC", text))


def _read_runs(runs: list[str], read_han: Callable[[str], str]) -> str:
    """The runs run together: each Han run read by ``read_han``, the rest lower-cased."""
    return "".join(read_han(run) if has_han(run) else run.lower() for run in runs)


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def pinyin(text: str) -> str:
    """Toneless pinyin of the Han part of a name ("Beijing Hangkong ..." run together)."""
    han = han_text(text)
    known = READINGS.get(han)
    if known is not None:
        return known
    # pypinyin segments a text into dictionary words and reads each on its own (重庆 is
    # chongqing). Segmenting here and caching each word's reading gives the same answer
    # ~5x faster: 有限公司, 科技 and city names recur in most names.
    from pypinyin.seg import mmseg

    reading = "".join(_word_pinyin(word) for word in mmseg.seg.cut(han))
    if RECORDING:
        READINGS[han] = reading
    return reading


def pinyin_keys(text: str) -> set[str]:
    """What a person may type in pinyin for a Chinese name: its reading, with any digits
    and Latin letters in place (never without them: "Zhongguo Dianke Suo" is no one
    institute), its numbers in digits, and each without the company suffix ("Huawei
    Jishu" for 华为技术有限公司)."""
    keys = set()
    # "Zhongguo Dianke 28 Suo" for 中国电科二十八所 as for 中国电科28所.
    text = text.strip()
    numbered = numerals.with_digits(text)
    # And without a group's company form before more of the name (中国电子科技集团第…).
    for spelling in dict.fromkeys((text, numbered, without_han_group_form(numbered))):
        reading = mixed_pinyin(spelling) or pinyin(spelling)
        keys.add(reading)
        short = without_han_company_suffix(spelling)
        if short is not None:
            # The short name's reading is the whole one's less the suffix's, where the
            # suffix reads on its own: reading a suffix of a few characters costs less
            # than reading the short name again (pypinyin, ~0.1 ms a name).
            suffix = pinyin(spelling[len(short) :])
            fits = reading.endswith(suffix)
            keys.add(reading[: -len(suffix)] if fits else mixed_pinyin(short) or pinyin(short))
    return keys - {""}


def mixed_pinyin(text: str) -> str | None:
    """The reading of a name that writes digits or Latin letters beside its Han
    characters, those kept in place ("中国电科28所" is "zhongguodianke28suo", "IDG资本"
    "idgziben"): what a person types in pinyin. None for a name with no such part (its
    ``pinyin`` is the whole reading)."""
    runs = _code_runs(text)
    if all(has_han(run) for run in runs):
        return None
    return _read_runs(runs, pinyin)
