"""What a typo is to the index: how many edits a word may carry, and the one-letter
deletions that find its near spellings (the symmetric-delete table)."""

from __future__ import annotations

import re
from collections.abc import Container

from rapidfuzz.distance import OSA

from registry.names.abbreviations import SPELLINGS, VARIANTS
from registry.names.generic import SCIENCE, TECHNOLOGY
from registry.names.legal_forms import COMMON_FORMS

# Words that reading a name rewrites ("Aeronautical" is "aeronautics", "Centre" "center"),
# joins ("Science and Technology" is one word) or drops with the legal form ("Company
# Limited"): a slip in one of them is read as no word, or as a word the name lost
# ("limted" as the "limited" of "Limited Partnership"), not as the word it was written for.
REWRITTEN_WORDS = tuple(sorted({*SPELLINGS, SCIENCE, TECHNOLOGY, *COMMON_FORMS}))

_LATIN_WORD = re.compile(r"[A-Za-z]+")
# A word typed for two joined ("TiTech" for "Ti-Tech", "MasterUni" for "Master-Uni") is
# split where both parts are words of names, each at least this long.
MIN_SPLIT_PART = 2


def typo_budget(token: str) -> int:
    if len(token) < 5 or token.isdigit():
        return 0
    return 1 if len(token) < 9 else 2


def is_short_word(token: str) -> bool:
    return len(token) == 4 and token.isalpha()


def deletes(token: str) -> list[str]:
    return [token[:i] + token[i + 1 :] for i in range(len(token))]


def is_legal_form_typo(token: str) -> bool:
    budget = typo_budget(token)
    return bool(budget) and any(OSA.distance(token, f) <= budget for f in COMMON_FORMS)


def respell(text: str, known: Container[str]) -> tuple[str, int]:
    """``text`` with each slip of a rewritten word written as that word ("Science &
    Technlogy Co., Limted" as "Science & Technology Co., Limited"), so that it is read
    as the name was; and how many words were respelt. A word that is ``known`` (an index
    word) is no slip; one as near to two rewritten words as to one is left as typed."""
    respelt = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal respelt
        word = match.group().lower()
        budget = typo_budget(word)
        if not budget or word in known or word in REWRITTEN_WORDS:
            return match.group()
        near = [w for w in REWRITTEN_WORDS if OSA.distance(word, w, score_cutoff=budget) <= budget]
        if len(near) != 1:
            return match.group()
        respelt += 1
        return near[0]

    return _LATIN_WORD.sub(fix, text), respelt


def split_joined(word: str, known: Container[str]) -> tuple[str, str] | None:
    """``word`` typed for two words of names joined ("titech" for "Ti-Tech",
    "masteruni" for "Master-Uni", read "master university"), when it splits so in one
    way only."""

    def read(part: str) -> str | None:
        part = VARIANTS.get(part, part)
        return part if part in known else None

    ways = [
        (left, right)
        for i in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1)
        if (left := read(word[:i])) is not None and (right := read(word[i:])) is not None
    ]
    return ways[0] if len(ways) == 1 else None
