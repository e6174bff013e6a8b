"""What an alias may not be: words that name no organisation on their own.

A list's bracket ("ETS Solutions (China)"), a comma clause or a tracker's note can leave
a fragment that is only a place, a country, a legal form, a generic word or a bracketed
qualifier. Kept as an alias, "China" would answer for the company that had it in
brackets. ``empty_alias`` says why such a text is no name; ``registry.store.add_alias``
refuses it, and so does a join at load time.
"""

from __future__ import annotations

import re
import unicodedata

from registry.names.generic import FOLDED_WORDS, GENERIC, STOPWORDS
from registry.names.legal_forms import FORM_FAMILY, HAN_FORMS
from registry.names.places import COUNTRY_NAMES, PLACES
from registry.names.script import NOT_HAN, han_only, has_han

_INNER_DOT = re.compile(r"(?<=\w)[.'’](?=\w)")
_WORD = re.compile(r"[^\W_]+")
_BRACKETED = re.compile(r"^\s*[(\[（【][^)\]）】]*[)\]）】]\s*$")
# China, its regions and its legal forms in Chinese: never a name alone.
_HAN_PLACES = """中国 中华人民共和国 中国大陆 大陆 内地 香港 澳门 台湾 北京
上海 天津 重庆 深圳 广州 亚洲 全球 国际 海外"""
HAN_PLACES = frozenset(_HAN_PLACES.split())
# Generic Chinese words that name a kind of body, not one ("集团", "研究所").
_HAN_GENERIC = "集团 研究所 研究院 大学 学院 公司 总公司 分公司 实验室 中心 工厂 科技 技术"
HAN_GENERIC = frozenset(_HAN_GENERIC.split())
# A name of at most this many distinctive words, all generic, names a kind of body
# ("Group", "Institute"), not one. Two are a short name ("China Electronics" of CEC).
MAX_GENERIC_WORDS = 1


def fold(text: str) -> list[str]:
    """The words of ``text``, case folded, dots and apostrophes inside words dropped."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return _WORD.findall(_INNER_DOT.sub("", text))


def empty_alias(name: str, *, acronym: bool = False) -> str | None:
    """Why ``name`` names no organisation on its own, or None when it may be an alias.
    An ``acronym`` (a weak alias such as "SPA" of the Special Police Academy) may spell a
    legal form or a generic word; it is refused only when it is a place or a country."""
    if not name.strip():
        return "empty"
    if _BRACKETED.match(name):
        return "a bracketed qualifier"
    if has_han(name):
        han = han_only(name)
        if han in HAN_PLACES:
            reason: str | None = "a place or country"
        elif han in HAN_GENERIC or any(han == form for form, _ in HAN_FORMS):
            reason = "a generic word or legal form"
        else:
            return None
        # Only the Han part is generic: the rest may name the organisation ("MGI Tech
        # Japan 株式会社" is a Japanese legal form after a name, not a legal form alone).
        rest = " ".join(NOT_HAN.findall(name))
        if _WORD.search(rest) and empty_alias(rest, acronym=acronym) is None:
            return None
        return reason
    words = [w for w in fold(name) if w not in FOLDED_WORDS]
    if not words:
        return "no words"
    if all(w in FORM_FAMILY for w in words) and not acronym:
        return "a legal form"
    joined = " ".join(words)
    if joined.replace(" ", "-") in PLACES or joined in COUNTRY_NAMES:
        return "a place or country"
    content = [w for w in words if w not in STOPWORDS and w not in FORM_FAMILY]
    if (
        content
        and all(w.replace(" ", "-") in PLACES or w in COUNTRY_NAMES for w in content)
        and not any(w.isdigit() for w in content)
    ):
        return "a place or country"
    if acronym:
        return None
    if content and len(content) <= MAX_GENERIC_WORDS and all(w in GENERIC for w in content):
        return "a generic word"
    return None
