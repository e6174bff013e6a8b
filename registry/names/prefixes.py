"""Prefixes that a body's name carries in full, in short or not at all."""

from __future__ import annotations

# The PLA's own bodies are named with it in full, in short and without it:
# "中国人民解放军国防科技大学" and "国防科技大学" are both NUDT.
PLA_FULL = "中国人民解放军"
PLA_SHORT = "解放军"
PLA_PREFIXES = (PLA_FULL, PLA_SHORT)  # longest first
