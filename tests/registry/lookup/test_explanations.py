"""Match explanations are typed: their text is derived, never parsed back.

Every kind with every field renders a text; the texts are the ones JSON's ``how`` has
always held; and no module of ``registry/``, ``handlers/`` or ``bot/`` reads an
explanation by its words (``how[6:]``, ``how.startswith("exact")``, ``how == "..."``).
"""

from __future__ import annotations

import itertools
import re

import pytest

from registry.lookup.types import (
    CHOSEN,
    EXACT_NAME,
    Explanation,
    MatchKind,
    NameField,
)
from tests.conftest import ROOT

FIELDS: list[NameField | None] = [*NameField, None]


@pytest.mark.parametrize(
    ("kind", "field"),
    list(itertools.product(MatchKind, FIELDS)),
    ids=lambda v: str(v.value) if v is not None else "no-field",
)
def test_every_kind_renders_text(kind: MatchKind, field: NameField | None) -> None:
    plain = Explanation(kind, field)
    held = Explanation(kind, field, "another legal form")
    assert plain.text.strip() and plain.text == str(plain) == f"{plain}"
    assert held.text == f"{plain.text}; another legal form"
    # Held back for a reason plain from the kind: nothing more to read.
    assert Explanation(kind, field, "").text == plain.text
    if field is not None:
        assert plain.text.endswith(field.value)


# The texts lookups, scans and buttons gave before explanations were typed (what JSON's
# ``how``, screening records and cards show).
KNOWN_TEXTS = [
    (EXACT_NAME, "exact name"),
    (Explanation(MatchKind.EXACT, NameField.ACRONYM), "exact acronym"),
    (Explanation(MatchKind.EXACT, NameField.PINYIN), "exact pinyin of Chinese name"),
    (
        Explanation(MatchKind.SAME_WORDS, NameField.NAME, "another legal form"),
        "words of the name; another legal form",
    ),
    (Explanation(MatchKind.TYPO, NameField.NAME), "near (typo) name"),
    (Explanation(MatchKind.REORDERED, NameField.ALIAS), "reordered alias"),
    (
        Explanation(MatchKind.PARTIAL, NameField.NAME, "the name adds usa"),
        "partial name; the name adds usa",
    ),
    (Explanation(MatchKind.PARTIAL, NameField.NAME, ""), "partial name"),
    (Explanation(MatchKind.ONE_CHARACTER, NameField.CHINESE), "near (one character) Chinese name"),
    (Explanation(MatchKind.SAME, NameField.ACRONYM), "same acronym"),
    (Explanation(MatchKind.FOUND, NameField.ACRONYM), "acronym"),
    (CHOSEN, "chosen"),
]


@pytest.mark.parametrize(("how", "text"), KNOWN_TEXTS, ids=[t for _, t in KNOWN_TEXTS])
def test_texts_are_the_ones_json_always_held(how: Explanation, text: str) -> None:
    assert how.text == text


def test_as_written_is_exact_or_a_shared_name() -> None:
    written = {k for k in MatchKind if Explanation(k, NameField.NAME).as_written}
    assert written == {MatchKind.EXACT, MatchKind.SAME}


# Ways of reading an explanation by its words: slicing or indexing it, testing how it
# starts or ends, comparing it with a string, looking for words in it.
PROSE_READS = [
    re.compile(r"\bhow\b\)?\s*\["),  # how[6:]
    re.compile(r"\bhow\b(?:\s+or\s+\"\"\))?\s*\.\s*(?:startswith|endswith|split|partition)\("),
    re.compile(r"\bhow\b\s*(?:==|!=)\s*f?[\"']"),
    re.compile(r"f?[\"'][^\"'\n]*[\"']\s*(?:==|!=)\s*[\w.]*\bhow\b"),
    re.compile(r"\bhow\b\s+(?:not\s+)?in\s*[(\[{]\s*f?[\"']"),
    re.compile(r"f?[\"'][^\"'\n]*[\"']\s+(?:not\s+)?in\s+\(?[\w.]*\bhow\b"),
]

# What the consumers did before (issue 28): each must be caught, or the scan below
# could pass while missing them.
OLD_READS = [
    'score, how = _capped(score), f"words of the {how[6:]}; {OTHER_FORM}"',
    'exact = any(c.how.startswith(("exact", "same")) for c in reply.candidates)',
    'return bool(self.how) and not (self.how or "").startswith(("exact", "same"))',
    'if reply.how and reply.how not in ("exact name", "chosen"):',
    'how = body.how if body.how and body.how != "exact name" else None',
    'if any(c.how == f"exact {ACRONYM}" for c in scored.values()):',
    'exact = top.how.startswith("exact")',
    'assert reply.how and "typo" in reply.how',
    'if how == "Chinese name" and not normalize.has_han(query):',
]


@pytest.mark.parametrize("line", OLD_READS)
def test_the_scan_catches_every_old_read(line: str) -> None:
    assert any(p.search(line) for p in PROSE_READS), line


def test_no_explanation_is_read_by_its_words() -> None:
    found = []
    for package in ("registry", "handlers", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(p.search(line) for p in PROSE_READS):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "explanations read by their words:\n" + "\n".join(found)
