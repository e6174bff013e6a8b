"""What tells a namesake from the listed organisation it resembles.

The index finds names by shared words and typos; ``scoring._namesake`` says when such
a find is only a "did you mean", from evidence of these kinds (none of them a list of
namesakes):

- **Ordinary words.** An English dictionary word ("Southern", "Northwestern", "Airlines",
  "Continental") names organisations all over the world, however rare it is among
  listed names: part of a name found through it alone says nothing about which body
  was meant. A coined or romanised word ("Hikvision", "Tsinghua", "Kiekert") does.
- **Known words.** A typed word that another listed name holds, read with a typo as
  this one's ("Northwestern" as "Northeastern", "Henan" as "Hunan"), names another body.
  (The index applies this one: it knows its words.)
- **Places abroad.** A listed name that adds a country or region the query lacks
  ("Kiekert USA Inc." for "Kiekert AG") is a subsidiary in that country, not the body
  asked about.
- **Legal forms.** Two names whose legal forms belong to different jurisdictions
  ("AG" / "Inc." / "Co., Ltd.") are different companies, whatever their words.
- **Whole names.** A query that names a kind of institution ("University of Liverpool")
  is a whole name: a listed name that adds distinctive words to it ("Xi'an
  Jiaotong-Liverpool University") is another body.

Latin script only: Chinese names are compared character by character elsewhere.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from english_words import get_english_words_set

from registry.names.legal_forms import JURISDICTION_FORMS, NEUTRAL_FORMS

# Countries, regions and offshore seats that a listed subsidiary's name carries
# ("... USA Inc.", "... (North America)", "... (BVI)"), as normalised tokens. China's own
# provinces and cities are not here: Chinese companies put their city first ("Hangzhou
# Hikvision") and people leave it out.
FOREIGN_PLACES = frozenset([
    "usa", "us", "america", "americas", "american", "canada", "mexico", "brazil",
    "argentina", "chile", "peru", "colombia", "europe", "european", "germany",
    "deutschland", "german", "france", "french", "uk", "britain", "british", "england",
    "scotland", "ireland", "italy", "italia", "spain", "espana", "portugal", "netherlands",
    "holland", "belgium", "luxembourg", "austria", "switzerland", "swiss", "sweden",
    "norway", "finland", "denmark", "poland", "czech", "hungary", "romania", "greece",
    "turkey", "russia", "ukraine", "israel", "uae", "dubai", "saudi", "qatar", "egypt",
    "africa", "nigeria", "kenya", "india", "pakistan", "bangladesh", "japan", "korea",
    "taiwan", "singapore", "malaysia", "thailand", "vietnam", "indonesia", "philippines",
    "australia", "zealand",
    # Hong Kong ("hong" alone is a syllable of many Chinese names), Macau, offshore seats
    "hk", "kong", "macau", "macao", "bvi", "cayman", "bermuda",
])  # fmt: skip

# Words that name a kind of institution: a query holding one is a whole name.
INSTITUTIONS = frozenset([
    "university", "college", "institute", "academy", "school", "polytechnic", "laboratory",
    "lab", "hospital", "conservatory", "observatory",
])  # fmt: skip

# Legal forms by the jurisdictions that use them (``registry.names.legal_forms``): a
# query and a name whose forms fall in different groups name different companies.
_FAMILY_OF = {form: family for family, forms in JURISDICTION_FORMS.items() for form in forms}
_LONGEST_FORM = max(len(f.split()) for f in _FAMILY_OF)
# Letters of a name, lower case, dots dropped inside forms ("S.p.A." -> "spa", "N.V." -> "nv").
_WORD = re.compile(r"[a-z0-9&]+")
_DOTTED = re.compile(r"\b((?:[a-z]\.){1,3}[a-z]?)(?=$|[\s,)])")
_TRAILING_PARENS = re.compile(r"(\s*\([^()]*\)\s*)+$")


@cache
def _dictionary() -> frozenset[str]:
    # GCIDE (GNU Collaborative International Dictionary of English) headwords, lower case,
    # letters only: ~114,000 words, ~50 ms to load once.
    return frozenset(get_english_words_set(["gcide"], alpha=True, lower=True))


def prepare() -> None:
    """Load the dictionary now, not on the first word asked about (a server's first asks)."""
    _dictionary()


@lru_cache(maxsize=65536)
def is_ordinary(token: str) -> bool:
    """An English dictionary word (or its plural): it names bodies all over the world."""
    if not token.isascii() or not token.isalpha():
        return False
    words = _dictionary()
    if token in words:
        return True
    if token.endswith("ies") and token[:-3] + "y" in words:
        return True
    if token.endswith("es") and token[:-2] in words:
        return True
    return token.endswith("s") and token[:-1] in words


def inflections(a: str, b: str) -> bool:
    """One word in two grammatical forms ("system"/"systems", "industry"/"industries"):
    a slip between them is a typo, not another name."""
    short, long = sorted((a, b), key=len)
    if long == short + "s" or long == short + "es":
        return True
    return short.endswith("y") and long == short[:-1] + "ies"


def foreign_places(tokens: set[str]) -> set[str]:
    return tokens & FOREIGN_PLACES


@lru_cache(maxsize=65536)
def legal_family(text: str) -> str | None:
    """The jurisdiction group of the legal form a name ends with, if any."""
    # A trailing parenthesis is a place or an acronym: "FACC AG (Austria)".
    text = _TRAILING_PARENS.sub("", text) or text
    lowered = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), text.lower())
    words = _WORD.findall(lowered)
    # The form follows a name: "AG" alone is no legal form.
    for n in range(min(_LONGEST_FORM, len(words) - 1), 0, -1):
        family = _FAMILY_OF.get(" ".join(words[-n:]))
        if family is not None:
            return family
    return None


def is_legal_form(token: str) -> bool:
    """A normalised token that is (part of) a legal form: "corporation", "slu", "ag"."""
    return token in _FAMILY_OF or token in NEUTRAL_FORMS


def other_legal_form(query_family: str | None, text: str, owner_name: str) -> bool:
    """The query and the name end with legal forms of different jurisdictions. An alias
    without one ("COSTAR GROUP CO") has the form of its owner's name."""
    if query_family is None:
        return False
    family = legal_family(text) or legal_family(owner_name)
    return family is not None and family != query_family
