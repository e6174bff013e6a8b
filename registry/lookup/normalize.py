"""Turn organisation names, as published or as typed, into comparable tokens.

Latin script: rigour's name normaliser (case, punctuation), legal forms removed with
rigour's org-type table, tones and accents folded, common abbreviations and British
spellings mapped to one form. Han script: traditional folded to simplified with OpenCC,
then character bigrams, so partial names ("国防科技大学") still share most tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from normality import ascii_text
from pypinyin import lazy_pinyin
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
    ]
)
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
    out = []
    for word in words:
        word = _VARIANTS.get(word, word)
        if word and word not in STOPWORDS:
            out.append(word)
    # A name that is nothing but a legal form ("Group Co Ltd") keeps its words.
    return tuple(out)


@lru_cache(maxsize=65536)
def han_text(text: str) -> str:
    return "".join(_NOT_HAN.split(_T2S.convert(text)))


def han_tokens(text: str) -> tuple[str, ...]:
    han = han_text(text)
    if len(han) <= 1:
        return (han,) if han else ()
    return tuple(han[i : i + 2] for i in range(len(han) - 1))


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


def pinyin(text: str) -> str:
    """Toneless pinyin of the Han part of a name ("Beijing Hangkong ..." run together)."""
    return "".join(lazy_pinyin(han_text(text)))
