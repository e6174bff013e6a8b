"""Prefixes that a body's name carries in full, in short or not at all."""

from __future__ import annotations

import re

# The PLA's own bodies are named with it in full, in short and without it:
# "中国人民解放军国防科技大学" and "国防科技大学" are both NUDT.
PLA_FULL = "中国人民解放军"
PLA_SHORT = "解放军"
PLA_PREFIXES = (PLA_FULL, PLA_SHORT)  # longest first

# ...and in English: "PLA Information Engineering University", "Chinese People's
# Liberation Army Academy of Military Sciences", "Army Engineering University of PLA".
_PLA_EN = r"(?:chinese\s+)?(?:people['’]?s\s+liberation\s+army|pla)(?:['’]s)?"
_PLA_LEADING = re.compile(rf"^\s*(?:the\s+)?{_PLA_EN}\s+(?=\S)", re.IGNORECASE)
_PLA_TRAILING = re.compile(
    rf"(?:\s*,\s*|\s+of\s+(?:the\s+)?|\s*\(\s*){_PLA_EN}\s*\)?\s*$", re.IGNORECASE
)
# What is left must still be a name of its own: "PLA Navy" is not "Navy".
MIN_WORDS_LEFT = 2


def without_pla(text: str) -> str | None:
    """``text`` without the PLA named before or after it, when it was and at least two
    words are left; None otherwise."""
    rest = _PLA_TRAILING.sub("", _PLA_LEADING.sub("", text))
    if rest == text or len(rest.split()) < MIN_WORDS_LEFT:
        return None
    return rest.strip()
