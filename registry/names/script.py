"""Which script a name is written in: the one Han detector.

Han characters are the CJK Unified Ideographs, Extension A and the Compatibility
Ideographs (U+F900-FAFF: the forms some Taiwanese and Korean texts use, which a range of
U+4E00-9FFF alone misses).
"""

from __future__ import annotations

import re

HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGES}]")
HAN_RUN = re.compile(f"[{HAN_RANGES}]+")
NOT_HAN = re.compile(f"[^{HAN_RANGES}]+")
# A run of Han characters, or of Latin letters and digits ("第513研究所", "CETC").
HAN_OR_CODE = re.compile(f"[{HAN_RANGES}]+|[0-9A-Za-z]+")
# Letters a name may be written in, Latin (with accents) or Han.
LATIN_OR_HAN = re.compile(f"[A-Za-z\u00c0-\u024f{HAN_RANGES}]")


def has_han(text: str) -> bool:
    """True when ``text`` holds at least one Han character."""
    return HAN.search(text) is not None


def han_only(text: str) -> str:
    """The Han characters of ``text``, in order ("中国 (CETC) 电科" -> "中国电科")."""
    return "".join(HAN_RUN.findall(text))
