"""Resolution keys: what two spellings of one organisation's name share, the country a
name states, and which of a body's names name its units.

``name_key`` is the one key that says two records are one organisation: merges after
import and reviewed decisions compare it. ``token_key`` is not a second such key but the
lookup index's view of a name (``registry.names.normalize.tokens``, joined), used where
a name only proposes an organisation and something else decides. Both fold words by the
same rules (``registry.names``: case, punctuation, accents, abbreviations and spellings,
"The"/"of"/"and"); they differ on purpose in what a merge must not ignore:

- legal form: ``token_key`` drops every form wherever it stands; ``name_key`` cuts only
  the trailing ones and keeps their family, so "Hytera Communications Corporation" and
  "... Limited", or an institute and a company of the same words, never merge on the
  name alone (``compatible``);
- places: ``name_key`` keeps a leading place apart (``NameKey.place``) and reads a
  trailing bracket as a campus or a listing tag; ``token_key`` keeps every word;
- Chinese: ``name_key`` is the Han text with the PLA prefix and legal form folded, and
  None under three characters (a short form names nothing on its own); ``token_key`` is
  the index's character pairs, short forms included;
- other small words ("for", "de", "in") and "science and technology" as one word are
  folded by ``token_key`` only, as the index reads queries.

So a load-time join (``joins.Resolver``: one hit only, identifiers first, reviewed
``keep apart`` decisions honoured by ``name_key``) and a name subscription (every
spelling of a watched name) use ``token_key``; a merge uses ``name_key``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from registry.names.abbreviations import VARIANTS, academy_spelling, singular
from registry.names.generic import FOLDED_WORDS, GENERIC, INSTITUTION_WORDS
from registry.names.legal_forms import (
    FOREIGN_FORMS,
    FORM_COUNTRIES,
    FORM_FAMILY,
    FORM_PRECEDENCE,
    HAN_FORMS,
)
from registry.names.normalize import ascii_text, han_text, tokens
from registry.names.places import COUNTRY_CODES, PLACE_ABBREVIATIONS, PLACES
from registry.names.prefixes import PLA_FULL, PLA_SHORT
from registry.names.script import HAN_OR_CODE, has_han

# Stock-exchange tags that follow a listed company's name in brackets.
_EXCHANGES = frozenset({"sh", "sz", "hk", "sse", "szse", "hkex", "a", "h", "a share", "h share"})

MIN_HAN_KEY = 3
# The PLA's own bodies are named with it in full, in short and without it:
# "中国人民解放军国防科技大学" and "国防科技大学" are both NUDT, "中国人民解放军93184部队"
# and "93184部队" one unit. The full form reads as the short one, and the short one goes
# when what is left can still name one body on its own: five characters ("解放军总医院"
# and "解放军理工大学" keep it: "理工大学" is any university of technology).
MIN_HAN_UNPREFIXED = 5
_BRACKET = re.compile(r"\s*[(\[（]([^()\[\]（）]*)[)\]）]\s*")
TRAILING_BRACKET = re.compile(r"\s*[(\[（]([^()\[\]（）]*)[)\]）]\s*$")
_INNER_DOT = re.compile(r"(?<=\w)[.'’](?=\w)")
KEY_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class NameKey:
    """What two spellings of one organisation's name share."""

    base: str  # words of the name, legal form cut off: "china spacesat"
    form: str | None  # the legal form's family: "ltd", "corp", "inc", ... or None
    place: str | None = None  # a leading place word: "beijing" of "beijing megvii ..."

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.base.split())

    def unplaced(self) -> str | None:
        """The base without its leading place, when what is left is still distinctive."""
        if self.place is None:
            return None
        rest = self.words[1:]
        if not any(w not in GENERIC and w not in PLACES for w in rest) or len(rest) < 2:
            return None
        return " ".join(rest)

    def is_institution(self) -> bool:
        return any(w in INSTITUTION_WORDS for w in self.words)

    def describe(self) -> str:
        form = f", legal form {self.form}" if self.form else ""
        return f"{self.base!r}{form}"


def key_words(text: str) -> list[str]:
    text = ascii_text(unicodedata.normalize("NFKC", text)).casefold().replace("&", " and ")
    text = _INNER_DOT.sub("", text)  # "S.L.U" -> "slu", "Xi'an" -> "xian", "U.S." -> "us"
    return KEY_WORD.findall(text)


def _trailing_bracket_kept(content: str, after_form: bool) -> list[str]:
    """Words of a name's last bracket that belong to the name. A legal form does
    ("(Limited)"); an acronym or short name ("(Huawei)") does not, and neither does a
    place or an exchange tag after the legal form ("Co., Ltd. (Shanghai)": where it is
    listed). Brackets inside a name are part of it: "China Unicom (Hong Kong) Limited" and
    "China Unicom (BVI) Co., Ltd." are two companies."""
    words = key_words(content)
    if words and all(w in FORM_FAMILY for w in words):
        return words
    joined = "-".join(words)
    if (joined in PLACES or " ".join(words) in _EXCHANGES) and not after_form:
        return words  # "Shandong University (Weihai)": a campus, not a listing
    return []


@lru_cache(maxsize=65536)
def name_key(name: str) -> NameKey | None:
    """The resolution key of one name, or None when nothing distinctive is left."""
    if has_han(name) and not re.search(r"[A-Za-z]{3}", name):
        return _han_key(name)
    words = key_words(name)
    trailing = TRAILING_BRACKET.search(name)
    if trailing is not None and trailing.start() > 0:
        head = key_words(name[: trailing.start()])
        after_form = bool(head) and head[-1] in FORM_FAMILY
        words = head + _trailing_bracket_kept(trailing.group(1), after_form)
    if words and words[0] in PLACE_ABBREVIATIONS and len(words) > 2:
        words[0] = PLACE_ABBREVIATIONS[words[0]]
    forms: list[str] = []
    while words and words[-1] in FORM_FAMILY and len(words) > 1:
        forms.append(FORM_FAMILY[words.pop()])
    # Abbreviations and spellings fold as the lookup index folds them ("Intl",
    # "Imp & Exp", "Centre"): once the legal form is off, so "Co" and "Corp" at the end
    # stay forms.
    words = academy_spelling([VARIANTS.get(w, w) for w in words if w not in FOLDED_WORDS])
    if not words:
        return None
    form = next((f for f in FORM_PRECEDENCE if f in forms), None)
    if form is None and forms:
        form = sorted(set(forms) - set(FORM_PRECEDENCE))[0]
    place = words[0] if words[0] in PLACES else None
    if words[:2] in (["hong", "kong"], ["inner", "mongolia"]):
        place = f"{words[0]}-{words[1]}"
        words = [place, *words[2:]]
    return NameKey(" ".join(words), form, place)


def _han_key(name: str) -> NameKey | None:
    text = TRAILING_BRACKET.sub("", name)  # a trailing bracket: an acronym or where it is listed
    # Digits and Latin letters stay: "第513研究所" and "第502研究所" are two institutes.
    han = "".join(
        han_text(run) if has_han(run) else run.casefold() for run in HAN_OR_CODE.findall(text)
    )
    form = None
    for suffix, family in HAN_FORMS:
        if han.startswith(suffix) or han.endswith(suffix):
            han, form = han.removeprefix(suffix).removesuffix(suffix), family
            break
    if han.startswith(PLA_FULL):
        han = PLA_SHORT + han.removeprefix(PLA_FULL)
    rest = han.removeprefix(PLA_SHORT)
    if rest != han and len(rest) >= MIN_HAN_UNPREFIXED:
        han = rest
    # Two characters are a short form ("华为", "北大"): an acronym, never a key.
    return NameKey(han, form) if len(han) >= MIN_HAN_KEY else None


def compatible(a: NameKey, b: NameKey) -> bool:
    """Same base and legal forms of one family (or one name without a form); an
    institution's name never merges with a company-form name on the name alone."""
    if a.base != b.base:
        return False
    if a.form and b.form:
        return a.form == b.form
    if a.form or b.form:
        return not a.is_institution()
    return True


# --- countries stated by a name ---------------------------------------------------------


def stated_country(name: str, default: str | None) -> str | None:
    """The country a list entry's own name states, else ``default`` (the list's country)
    unless the name has a legal form foreign to it: then unknown (None), not a guess."""
    trailing = TRAILING_BRACKET.search(name)
    if trailing is not None:
        said = COUNTRY_CODES.get(" ".join(key_words(trailing.group(1))))
        if said:
            return said
    words = key_words(name)
    text = f" {' '.join(words)} "
    for phrase, code in COUNTRY_CODES.items():
        if f" {phrase} " in text and phrase not in ("us", "uk") and code not in ("HK", "MO"):
            return code
    if "usa" in words or ("u.s." in name.casefold()):
        return "US"
    key = name_key(name)
    if key is not None and key.form in FORM_COUNTRIES:
        return FORM_COUNTRIES[key.form]
    if key is not None and key.form in FOREIGN_FORMS and default == "CN":
        return None
    return default


# --- subordinate units ---------------------------------------------------------------

# Unit words that always name a part of a body: a university's laboratory, an
# academy's centre. Teaching and research words (institute, academy, college...) swap
# when a body is renamed ("Changsha Institute of Technology" became NUDT), so between
# two institutions they name a unit only when the owner lists many of them.
PART_WORDS = frozenset({"laboratory", "lab", "center", "centre", "department", "factory"})
BODY_WORDS = frozenset({"institute", "academy", "college", "school", "university"})
# A body has a former name or two; more names of one new kind are its parts (CAEP's
# fourteen "Southwest Institute of ..." are its institutes, not its former names).
RENAMES_AT_MOST = 3
# A variant of the owner's name shares this many distinctive words with it.
VARIANT_SHARED_WORDS = 2


def _distinctive(words: Iterable[str]) -> set[str]:
    return {w for w in words if w not in GENERIC and w not in PLACES and not w.isdigit()}


def unit_names(owner: str, aliases: Iterable[str], acronyms: Iterable[str] = ()) -> set[str]:
    """Which of ``aliases``, given as other names of ``owner``, name subordinate units.

    Trackers and lists give a group's academies, an academy's institutes and a
    university's laboratories among its names ("China Academy of Space Technology" for
    CASC); those are organisations of their own, tied to the owner. A unit's name holds
    the owner's whole name or acronym and a unit word ("5th Academy of CASC"), or has a
    unit word (or, under an institution, a company form) that the owner's name lacks,
    without sharing enough distinctive words to be a spelling of it. Chinese names and
    acronyms are left alone.
    """
    o_key = name_key(owner) if not has_han(owner) else None
    if o_key is None:
        return set()
    o_words = set(o_key.words)
    owner_is_body = bool(o_words & INSTITUTION_WORDS)
    acronym_set = {x.casefold() for x in acronyms}
    units: set[str] = set()
    body_swaps: dict[str, list[str]] = defaultdict(list)
    for alias in aliases:
        a_key = None if has_han(alias) else name_key(alias)
        if a_key is None or len(a_key.words) < 2:
            continue
        a_words = set(a_key.words)
        new_words = (a_words & (PART_WORDS | BODY_WORDS)) - o_words
        if new_words and (o_words <= a_words or acronym_set & a_words):
            units.add(alias)
        elif len(_distinctive(a_words) & _distinctive(o_words)) >= VARIANT_SHARED_WORDS:
            continue
        elif new_words & PART_WORDS or (new_words and not owner_is_body):
            units.add(alias)
        elif new_words:
            for word in new_words:
                body_swaps[word].append(alias)
        elif a_key.form is not None and owner_is_body and o_key.form is None:
            units.add(alias)  # a company under an institution: CAEP's trading companies
    for swapped in body_swaps.values():
        if len(swapped) > RENAMES_AT_MOST:
            units.update(swapped)
    return units


def singular_key(key: str) -> str:
    return " ".join(singular(word) for word in key.split())


def token_key(name: str) -> str:
    """The lookup index's view of a name, as one string: what a load-time join and a name
    subscription compare. Not a merge key: see the module docstring for how it differs
    from ``name_key`` and why."""
    return " ".join(tokens(name))
