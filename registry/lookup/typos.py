"""What a typo is to the index: how many edits a word may carry, and the one-letter
deletions that find its near spellings (the symmetric-delete table)."""

from __future__ import annotations

from rapidfuzz.distance import OSA

from registry.names.legal_forms import COMMON_FORMS


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
