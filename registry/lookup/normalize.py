"""Turn organisation names, as published or as typed, into comparable tokens.

Latin script: rigour's name normaliser (case, punctuation), legal forms removed with
rigour's org-type table, tones and accents folded, common abbreviations and British
spellings mapped to one form. Han script: traditional folded to simplified with OpenCC,
then character bigrams, so partial names ("国防科技大学") still share most tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc
from normality import ascii_text
from rigour.names import normalize_name, remove_org_types

_T2S = opencc.OpenCC("t2s")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Abbreviations people type in a hurry, and spelling variants, mapped to one form.
_VARIANTS = {
    "univ": "university",
    "uni": "university",
    "tech": "technology",
    "technol": "technology",
    "inst": "institute",
    "acad": "academy",
    "sci": "science",
    "natl": "national",
    "nat": "national",
    "intl": "international",
    "corp": "corporation",
    "co": "company",
    "grp": "group",
    "dept": "department",
    "res": "research",
    "eng": "engineering",
    "defence": "defense",
    "centre": "center",
    "aeronautical": "aeronautics",
    "astronautical": "astronautics",
    "aerospace": "aerospace",
    "organisation": "organization",
    "programme": "program",
}

# Words that appear in thousands of names: they may confirm a match, never decide one.
GENERIC = frozenset(
    [
        "university",
        "college",
        "institute",
        "academy",
        "school",
        "technology",
        "technologies",
        "science",
        "sciences",
        "research",
        "group",
        "company",
        "corporation",
        "limited",
        "holding",
        "holdings",
        "industry",
        "industries",
        "industrial",
        "international",
        "national",
        "china",
        "chinese",
        "people",
        "peoples",
        "republic",
        "prc",
        "co",
        "ltd",
        "inc",
        "development",
        "engineering",
        "center",
        "laboratory",
        "lab",
        "key",
        "state",
        "electronic",
        "electronics",
        "information",
        "systems",
        "system",
        "equipment",
        "scitech",
    ]
)
SCIENCE_AND_TECHNOLOGY = "scitech"
STOPWORDS = frozenset({"of", "the", "and", "for", "de", "in", "at", "on", "&"})


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def clean(text: str) -> str:
    """Strip control characters and collapse whitespace: what a typed query becomes."""
    if text.isprintable():  # no control characters: skip the per-character scan
        return " ".join(text.split())
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def latin_tokens(text: str) -> tuple[str, ...]:
    norm = normalize_name(text.replace("&", " and "))
    if not norm:
        return ()
    stripped = remove_org_types(norm) or norm
    words = ascii_text(stripped).lower().split()
    out: list[str] = []
    for word in words:
        word = _VARIANTS.get(word, word)
        if word and word not in STOPWORDS:
            if word == "technology" and out and out[-1] == "science":
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
    han = han_text(text)
    if len(han) <= 1:
        return (han,) if han else ()
    bigrams = [han[i : i + 2] for i in range(len(han) - 1)]
    # One wrong character breaks two bigrams; the pair around it (skipping it) survives,
    # so 重乐坤润 still shares 重…坤 with 重庆坤润.
    skips = [f"{han[i]}…{han[i + 2]}" for i in range(len(han) - 2)]
    return tuple(bigrams + skips)


def tokens(text: str) -> tuple[str, ...]:
    """Comparable tokens of a name in any script we handle."""
    text = clean(text)
    if has_han(text):
        return han_tokens(text) + latin_tokens(_HAN.sub(" ", text))
    return latin_tokens(text)


def compact(text: str) -> str:
    """One key without spaces: pinyin typed run-together, acronyms, spacing slips."""
    text = clean(text)
    if has_han(text):
        return han_text(text)
    return "".join(latin_tokens(text))


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> str:
    # Imported when first needed: pypinyin loads its dictionaries on import (~0.5 s),
    # which a command that reads a saved index and asks a Latin name never needs.
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def pinyin(text: str) -> str:
    """Toneless pinyin of the Han part of a name ("Beijing Hangkong ..." run together)."""
    # pypinyin segments a text into dictionary words and reads each on its own (重庆 is
    # chongqing). Segmenting here and caching each word's reading gives the same answer
    # ~5x faster: 有限公司, 科技 and city names recur in most names.
    from pypinyin.seg import mmseg

    return "".join(_word_pinyin(word) for word in mmseg.seg.cut(han_text(text)))
