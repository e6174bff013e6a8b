"""The words the mention scanner (``registry.lookup.mentions``) reads running text with:
what is too generic to name one organisation, what heads a larger body's name, which
acronyms spell words, what puts a text in a Chinese context, and the characters around
Chinese names."""

from __future__ import annotations

import re

import opencc

from registry.names import normalize
from registry.names.places import PLACES

# -- vocabulary -------------------------------------------------------------------------

# Words that, alone or together, do not single out one organisation in running text.
SCAN_GENERIC = normalize.GENERIC | {
    "affiliated",
    "hospital",
    "ministry",
    "education",
    "department",
    "bureau",
    "office",
    "branch",
    "sub",
    "division",
    "station",
    "general",
    "central",
    "administration",
    "committee",
    "commission",
    "council",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "new",
    "medical",
    "normal",
    "polytechnic",
    "academic",
    "unit",
    "team",
    "services",
    "service",
}
STOPWORDS = normalize.STOPWORDS | {"a", "an"}
# A name ending in one of these names a different, larger body when the text goes on
# with "of <Capitalised word>": "Shanghai University of Finance and Economics".
HEAD_WORDS = frozenset(
    {"university", "institute", "academy", "college", "school", "hospital", "laboratory"}
)
# "... University of China": a country qualifier, not a different organisation.
QUALIFIERS = frozenset({"china", "prc", "the"})
# Acronyms of four letters or more are distinctive on their own, unless they spell a word.
WORDLIKE_ACRONYMS = frozenset({"cast", "just", "star", "care", "core", "mast", "nice", "pace"})
MIN_DISTINCT_ACRONYM = 4
# Words that put a text in a Chinese context, where a short acronym can be trusted: China
# by its names, the Party, and every place of the name rules' place list written as one
# word (provinces and the larger cities: "Harbin", "Shenzhen").
CHINA_CUES = frozenset(
    {"china", "chinese", "prc", "hong", "mainland", "ccp", "cpc", "mcf", "sino"}
) | frozenset(p for p in PLACES if "-" not in p)

# Chinese: particles and punctuation around a short name; characters that end another
# organisation's name (a unit named right after it belongs to that organisation).
PARTICLES = frozenset("的在和与及或同跟对从是为把被向给等了也都由将并而以于")
ORG_END = frozenset("学院校司团所部局厅委会省市县队厂室站心馆社")
BRACKETED = re.compile(r"\s*[(（][^)）]*[)）]\s*$")

LATIN = "0-9A-Za-z\u00c0-\u024f"
WORD = re.compile(f"[{LATIN}]+(?:['’][{LATIN}]+)*|&")
# What may stand between two words of one name: spaces, commas, dots, dashes, apostrophes.
JOINER = re.compile(r"[ \t\u00a0,.\-–—'’]*")
T2S = opencc.OpenCC("t2s")
