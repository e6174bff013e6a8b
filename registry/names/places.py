"""Places and countries as names state them.

``PLACES``: Chinese provinces, province-level cities and the larger cities, folded as a
resolution key folds them (lower case, "Xi'an" is "xian", two words joined by "-").
They name a branch or a listing rather than another organisation when they stand in
brackets ("AVIC ... (Shanghai)"), they lead many Chinese company names ("Beijing Megvii
..."), and statutes drop them ("Dahua Technology Company" for "Zhejiang Dahua Technology
Co., Ltd.").

``COUNTRY_CODES``: countries a name may state, in words or in a trailing bracket ("FACC
AG (Austria)", "Kiekert USA Inc."), as ISO 3166 codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PLACE_NAMES = """
anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang
henan hubei hunan jiangsu jiangxi jilin liaoning ningxia qinghai shaanxi shandong
shanghai shanxi sichuan tianjin tibet xinjiang xizang yunnan zhejiang hong-kong macau
macao inner-mongolia shenzhen guangzhou hangzhou nanjing wuhan chengdu xian shenyang
harbin changsha zhengzhou jinan qingdao dalian suzhou wuxi ningbo xiamen fuzhou hefei
nanchang kunming guiyang lanzhou taiyuan shijiazhuang changchun hohhot nanning urumqi
zhuhai dongguan foshan changzhou mianyang baoding luoyang zhuzhou xiangtan yantai weihai
tangshan huizhou zhongshan shaoxing wenzhou jiaxing nantong yangzhou xuzhou kunshan
"""
PLACES = frozenset(_PLACE_NAMES.split())
# Outside the mainland's company registers: a statute's short name is never looked up
# as a Hong Kong or Macau company (those are other companies of a group).
_SEPARATE_REGISTERS = frozenset({"hong-kong", "macau", "macao"})
# As a mainland company's name starts with them, in a stable order: "Zhejiang Dahua ...".
MAINLAND_PLACE_WORDS = tuple(
    sorted(p.replace("-", " ").title() for p in PLACES - _SEPARATE_REGISTERS)
)
# Abbreviations of places written as the first word of a name ("SZ DJI").
PLACE_ABBREVIATIONS = {"sz": "shenzhen", "bj": "beijing"}

COUNTRY_CODES = {
    "usa": "US",
    "us": "US",
    "united states": "US",
    "america": "US",
    "north america": "US",
    "canada": "CA",
    "germany": "DE",
    "austria": "AT",
    "switzerland": "CH",
    "france": "FR",
    "spain": "ES",
    "italy": "IT",
    "netherlands": "NL",
    "belgium": "BE",
    "united kingdom": "GB",
    "uk": "GB",
    "sweden": "SE",
    "finland": "FI",
    "japan": "JP",
    "korea": "KR",
    "singapore": "SG",
    "australia": "AU",
    "india": "IN",
    "russia": "RU",
    "brazil": "BR",
    "mexico": "MX",
    "hong kong": "HK",
    "macau": "MO",
}
# Names of China itself, other countries and regions that qualify a name in brackets
# ("ETS Solutions (China)", "... (Asia Pacific)") and never name an organisation alone.
_COUNTRY_NAMES = """china prc mainland taiwan malaysia thailand pakistan iran turkey uae europe
asia africa americas global overseas worldwide international hk"""
COUNTRY_NAMES = (
    frozenset(COUNTRY_CODES)
    | frozenset(_COUNTRY_NAMES.split())
    | {
        "people s republic of china",
        "peoples republic of china",
        "asia pacific",
    }
)


def is_place(folded: str) -> bool:
    """True for a place or a country, written as ``folded`` words ("hong kong")."""
    return folded.replace(" ", "-") in PLACES or folded in COUNTRY_NAMES


_MAINLAND_PLACES = PLACES - _SEPARATE_REGISTERS


def _place_at(words: Sequence[str], start: bool) -> int:
    """How many words (one or two) at the start (or end) of ``words`` name a mainland
    province or city."""
    for n in (2, 1):
        if len(words) > n and "-".join(words[:n] if start else words[-n:]) in _MAINLAND_PLACES:
            return n
    return 0


def adds_a_place(name_words: Sequence[str], query_words: Sequence[str]) -> bool:
    """``name_words`` are ``query_words`` with a mainland province or city before or after
    them: "shanghai yuwei semiconductor technology" for "yuwei semiconductor technology",
    "institute of ... mathematics beijing" for "institute of ... mathematics" (folded
    words: ``normalize.tokens``). Such a name is the
    query's organisation where it is registered, or another of the same name there. (Hong
    Kong, Macau and countries abroad make another company of a group: see above and
    ``lookup.namesakes``.)"""
    if len(name_words) <= len(query_words):
        return False
    lead = _place_at(name_words, start=True)
    if lead and name_words[lead:] == query_words:
        return True
    trail = _place_at(name_words, start=False)
    return bool(trail) and name_words[:-trail] == query_words


# Where a list writes a company's address into its name, after the legal form and any
# acronym: "HiSilicon Technologies Co., Ltd (HiSilicon), Bantian Longgang District",
# "Suzhou Huawei Investment Co., Ltd., Suzhou, Jiangsu". A segment is a district or a
# province or city (with "Province" or "City" or not).
_FORM_END = r"(?:Co\.,?\s*Ltd\.?|Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|Company)"
_SEGMENT = r"(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)"
_ADDRESS_TAIL = re.compile(
    rf"(?P<name>.*?\b{_FORM_END}(?:\s*\([^()]+\))?)\s*,\s*(?P<tail>{_SEGMENT}(?:\s*,\s*{_SEGMENT})*)\.?$"
)
_ADDRESS_WORDS = frozenset({"district", "province", "city", "county", "new", "area"})


def _is_address_segment(segment: str) -> bool:
    words = segment.lower().replace("’", "'").replace("'", "").split()
    if words and words[-1] == "district":
        return True
    rest = [w for w in words if w not in _ADDRESS_WORDS]
    return bool(rest) and "-".join(rest) in PLACES


def without_address(name: str) -> str:
    """``name`` less an address written after its legal form; ``name`` when there is
    none (a bracketed place, "Co., Ltd. (Shanghai)", is the list's, and stays)."""
    found = _ADDRESS_TAIL.match(name)
    if found is None:
        return name
    segments = [s.strip() for s in found.group("tail").split(",")]
    # A city too small for the place list, before its province, is an address as well:
    # "..., Langfang, Hebei".
    *before, last = segments
    towns = all(_is_address_segment(s) or len(s.split()) == 1 for s in before)
    address = _is_address_segment(last) and towns
    return found.group("name") if address else name
