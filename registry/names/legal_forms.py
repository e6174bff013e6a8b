"""Legal forms: which words say what kind of company a name is, and which forms are one.

Families (``FORM_FAMILY``): forms of one family are spellings of one form ("Co." is
"Company", "Co., Ltd." is "Company Limited"); forms of two families (an "Inc." and an
"AG", a "Corporation" and a "Co., Ltd.") may be a parent and its subsidiary, so a name
never merges with another across families on its own.

Jurisdictions (``JURISDICTION_FORMS``): a query and a name whose forms belong to two
jurisdictions name different companies ("Kiekert AG" is not "Kiekert USA Inc.").
"""

from __future__ import annotations

FORM_FAMILY = {
    "co": "ltd",
    "company": "ltd",
    "ltd": "ltd",
    "limited": "ltd",
    "corp": "corp",
    "corporation": "corp",
    "inc": "inc",
    "incorporated": "inc",
    "llc": "llc",
    "plc": "plc",
    "ag": "ag",
    "gmbh": "gmbh",
    "kg": "gmbh",
    "sa": "sa",
    "sas": "sa",
    "sl": "sl",
    "slu": "sl",
    "bv": "bv",
    "nv": "nv",
    "spa": "spa",
    "srl": "srl",
    "sarl": "srl",
    "pte": "pte",
    "pty": "pty",
    "kk": "kk",
    "jsc": "jsc",
    "ojsc": "jsc",
    "pjsc": "jsc",
    "ooo": "ooo",
    "llp": "llp",
    "lp": "llp",
    "ab": "ab",
    "oy": "oy",
}
# "Corporation Limited" is a corporation, "Pte. Ltd." a Singapore private company: when
# a name ends in forms of several families, the first listed here names the form.
FORM_PRECEDENCE = ("corp", "ltd")
# Chinese and Japanese forms, longest first, with their family.
HAN_FORMS = (
    ("株式会社", "kk"),
    ("有限会社", "kk"),
    ("股份有限公司", "ltd"),
    ("有限责任公司", "ltd"),
    ("有限公司", "ltd"),
    ("公司", "ltd"),
)
# Chinese company suffixes a short name may leave out (no bare "公司": "总公司" stays).
HAN_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
# Legal forms that exist in one country only.
FORM_COUNTRIES = {"sl": "ES", "kk": "JP", "pte": "SG", "pty": "AU", "ooo": "RU", "oy": "FI"}
# Forms no company registered in mainland China uses: such a name is not a Chinese
# company's, whatever country the list's other entries have. ("Inc." and "PLC" are not
# among them: Chinese joint-stock companies translate 股份有限公司 so.)
FOREIGN_FORMS = frozenset(FORM_FAMILY.values()) - {"ltd", "corp", "inc", "plc"}

JURISDICTION_FORMS: dict[str, tuple[str, ...]] = {
    # US: Inc., LLC, L.P.
    "us": ("inc", "incorporated", "llc", "lp", "llp", "pllc"),
    # Britain, the Commonwealth, China and Hong Kong: Ltd., Co., Ltd., plc, Pty Ltd
    "ltd": ("ltd", "limited", "plc", "pty", "pte", "sdn bhd", "bhd"),
    # German-speaking countries
    "de": ("ag", "gmbh", "kg", "kgaa", "ohg", "ug"),
    # France, Spain, Portugal, Italy, Belgium, Switzerland (French), Latin America
    "romance": ("sa", "sas", "sarl", "sl", "slu", "spa", "srl", "sca", "sau", "lda"),
    # The Netherlands and Belgium (Dutch)
    "nl": ("nv", "bv", "vof"),
    # The Nordic countries
    "nordic": ("ab", "asa", "oy", "oyj", "aps", "hf"),
    # Japan (romanised)
    "jp": ("kk", "kabushiki kaisha", "yk", "godo kaisha"),
    # The EU's European company
    "se": ("se",),
}
# Forms of no one jurisdiction, as they appear among a name's tokens.
NEUTRAL_FORMS = frozenset(
    ["limited", "company", "corporation", "incorporated", "holdings", "holding", "co"]
)
# The forms a typed query most often misspells ("Limted", "Corporaton").
COMMON_FORMS = ("limited", "company", "corporation", "incorporated", "holdings", "holding")
# Words that end a company's name in running text ("Baidu, Inc.").
TRAILING_FORMS = frozenset(FORM_FAMILY) | frozenset({"gmbh", "incorporated"})
