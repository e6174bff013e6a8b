"""Legal forms: which words say what kind of company a name is, and which forms are one.

Families (``FORM_FAMILY``): forms of one family are spellings of one form ("Co." is
"Company", "Co., Ltd." is "Company Limited"); forms of two families (an "Inc." and an
"AG", a "Corporation" and a "Co., Ltd.") may be a parent and its subsidiary, so a name
never merges with another across families on its own.

Jurisdictions (``JURISDICTION_FORMS``): a query and a name whose forms belong to two
jurisdictions name different companies ("Kiekert AG" is not "Kiekert USA Inc.").

The forms name matching leaves out (``LEGAL_FORMS``):

Legal forms and organisation-type designations that name matching leaves out.

"Huawei Technologies Co., Ltd." and "Huawei Technologies" are one organisation: the
words below say what kind of body a name belongs to, not which one. They are written as
``normalize.normalize_name`` leaves them (lower case, no dots or apostrophes: "S.A." is
"sa", "Co., Ltd." is "co ltd") and are removed as whole words anywhere in a name.

What is here: the forms that occur in the lists we import (the trade.gov Consolidated
Screening List, the BIS Entity List, OFAC, the EU annexes, the DoD lists, ASPI), in their
usual spellings and abbreviations (ISO 20275 names the legal forms of each country), and a
few common ones beside them. Left out on purpose, though some name-matching tables list
them: syllables that are words of romanised Chinese names ("Yu", "Na", "Ong", "Ku",
"Sau"), initials and particles of personal names ("I.I.", "P.P.", "im."), and letter
pairs that the lists use for something else ("EP-", "YK-" aircraft registrations, "OSK",
"STG" brands). A name made only of these words keeps them (``normalize.latin_tokens``).
"""

from __future__ import annotations

import re

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
# A group's company form inside a longer name: the parent's form, left out as often as
# written ("中国电子科技集团公司第二十八研究所", "中国电子科技集团第二十八研究所").
_HAN_GROUP_FORM = re.compile(r"集团(?:股份有限|有限责任|有限)?公司(?=.)")
# A Chinese name less its company suffix names one company when at least this many
# characters are left ("华为技术"); two or three are a brand or a common prefix ("中科").
MIN_HAN_SHORT_NAME = 4
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
# Forms of no one family that end a listed name, as index tokens read them ("Co." is
# "company", "Corp." "corporation"): the name without them is the organisation's name too.
TRAILING_NEUTRAL_FORMS = frozenset({"company", "corporation", "incorporated"})
# Words that end a company's name in running text ("Baidu, Inc.").
TRAILING_FORMS = frozenset(FORM_FAMILY) | frozenset({"gmbh", "incorporated"})

# --- forms that name matching leaves out ---

ENGLISH = (
    "co ltd",
    "co limited",
    "company ltd",
    "company limited",
    "ltd",
    "limited",
    "limited co",
    "limited company",
    "private limited company",
    "public limited company",
    "plc",
    "pte ltd",
    "pty ltd",
    "pty limited",
    "proprietary limited",
    "proprietary ltd",
    "inc",
    "incorporated",
    "incorporation",
    "llc",
    "limited liability company",
    "foreign limited liability company",
    "limited liability corporation",
    "llp",
    "limited liability partnership",
    "lp",
    "limited partnership",
    "gp",
    "pc",
    "pllc",
    "unlimited",
    "jsc",
    "j s c",
    "joint stock company",
    "ojsc",
    "open joint stock company",
    "cjsc",
    "closed joint stock company",
    "pjsc",
    "public joint stock company",
    "public stock company",
    "jscb",
    "joint stock commercial bank",
    "jv",
    "joint venture",
    "state enterprise",
    "state unitary enterprise",
    "state unitary enterprise of the",
    "federal state unitary enterprise",
    "federal state budgetary enterprise",
    "federal state institution",
    "federal state budgetary institution",
    "scientific and production enterprise",
    "state concern",
    "national association",
    "professional association",
    "charity",
    "charitable organization",
    "ngo",
    "nonprofit",
    "nonprofit organization",
    "non profit organization",
)

# Russian, Belarusian, Ukrainian and Kazakh forms, in Cyrillic and in the lists' Latin spellings.
EAST_SLAVIC = (
    "ao",
    "oao",
    "zao",
    "pao",
    "ooo",
    "npo",
    "gnpp",
    "kb",
    "gk",
    "aat",
    "at",
    "tov",
    "fgbu",
    "aktsionernoe obshchestvo",
    "aktsionernoe obschestvo",
    "aktsionernoe obshchestvo otkrytogo tipa",
    "otkrytoe aktsionernoe obshchestvo",
    "otkrytoe aktsionernoe obschestvo",
    "otkrytoe aktsionernoe obschchestvo",
    "otkrytoye aktsionernoye obshchestvo",
    "zakrytoe aktsionernoe obshchestvo",
    "zakrytoye aktsionernoye obshchestvo",
    "publichnoe aktsionernoe obshchestvo",
    "obshchestvo s ogranichennoi otvetstvennostyu",
    "obshchestvo s ogranichennoy otvetstvennostyu",
    "gosudarstvennoe unitarnoe predpriyatie",
    "gosudarstvennoe nauchno proizvodstvennoe predpriyatie",
    "federalnoe gosudarstvennoe byudzhetnoe uchrezhdenie",
    "nekommercheskaya organizatsiya",
    "nekommercheskaya organizatsiya fond",
    "avtonomnaya nekommercheskaya organizatsiya",
    "aktsionerne tovarystvo",
    "publichne aktsionerne tovarystvo",
    "tovarystvo z obmezhenoyu vidpovidalnistyu",
    "tovarystvo z obmezhenoiu vidpovidalnistiu",
    "tavarystva z abmezhavanay adkaznastsyu",
    "ао",
    "оао",
    "зао",
    "пао",
    "ооо",
    "ано",
    "кб",
    "пк",
    "спк",
    "тоо",
    "фгуп",
    "фгбу",
    "фгу",
    "фкп",
    "акционерное общество",
    "акционерного общества",
    "открытое акционерное общество",
    "закрытое акционерное общество",
    "публичное акционерное общество",
    "общество с ограниченной ответственностью",
    "общество с ограниченной ответственностью торговый дом",
    "общество с ограниченной ответственностью управляющая компания",
    "общество с ограниченной ответственностью фирма",
    "товарищество с ограниченной ответственностью",
    "федеральное государственное унитарное предприятие",
    "государственного унитарного предприятия",
    "федеральное государственное бюджетное учреждение",
    "федеральное государственное учреждение",
    "федеральное казенное предприятие",
    "федеральное государственное автономное образовательное учреждение высшего образования",
    "федеральное государственное бюджетное образовательное учреждение высшего образования",
    "автономная некоммерческая организация",
    "некоммерческая организация фонд",
    "некоммерческое партнерство",
    "научный центр",
    "акціонерне товариство",
    "товариство з обмеженою відповідальністю",
    "таварыства з абмежаванай адказнасцю",
    "гу",
    "га",
    "во",
    "госнии",
    "пт",
)

# Other European forms.
EUROPEAN = (
    "gmbh",
    "mbh",
    "ag",
    "aktiengesellschaft",
    "kg",
    "kgaa",
    "ohg",
    "gbr",
    "ug",
    "ek",
    "ev",
    "verein",
    "eg",
    "se",
    "sa",
    "sas",
    "s a s",
    "sarl",
    "eurl",
    "snc",
    "gie",
    "sce",
    "société à responsabilité limitée",
    "srl",
    "spa",
    "sapa",
    "bv",
    "nv",
    "vof",
    "bvba",
    "sprl",
    "asbl",
    "vzw",
    "as",
    "ab",
    "aps",
    "oy",
    "oyj",
    "kft",
    "korlátolt felelősségű társaság",
    "sro",
    "společnost s ručením omezeným",
    "ood",
    "дружество с ограничена отговорност",
    "societatea cu raspundere limitata",
    "societatea cu răspundere limitată",
    "societate cu raspundere limitata",
    "drustvo sa ogranicenom odgovornoscu",
    "drustvo s ogranicenom odgovornoscu",
    "društvo sa ograničenom odgovornošću",
    "družba z omejeno odgovornostjo",
    "preduzetnik",
    "sia",
    "uab",
    "εταιρία περιορισμένησ ευθύνησ",
)

# Spanish and Portuguese forms (Latin America, Spain).
IBERIAN = (
    "sa de cv",
    "cv",
    "s de rl de cv",
    "sociedad anonima",
    "sociedad anonima de capital variable",
    "sociedad de responsabilidad limitada",
    "sociedad por acciones simplificada",
    "ltda",
    "limitada",
    "cia ltda",
    "scs",
    "ca",
    "eireli",
    "eirl",
    "incorporado",
)

# Turkey, the Gulf, Iran's neighbours, South and East Asia.
ASIAN = (
    "limited sirketi",
    "ltd sti",
    "sirketi",
    "sti",
    "dis tic ltd",
    "fze",
    "fzco",
    "fzllc",
    "dmcc",
    "saog",
    "saoc",
    "qsc",
    "mmc",
    "pt",
    "sdn bhd",
    "bhd",
    "berhad",
    "有限公司",
    "有限责任公司",
    "公開株式会社",
)

LEGAL_FORMS: frozenset[str] = frozenset(ENGLISH + EAST_SLAVIC + EUROPEAN + IBERIAN + ASIAN)


def without_han_company_suffix(text: str) -> str | None:
    """A Chinese name without the company suffix that ends it ("华为技术有限公司" is
    "华为技术"), or None when it has none or too little would be left."""
    for suffix in HAN_COMPANY_SUFFIXES:
        if text.endswith(suffix):
            short = text[: -len(suffix)]
            return short if len(short) >= MIN_HAN_SHORT_NAME else None
    return None


def without_han_group_form(han: str) -> str:
    """A Chinese name with the company form of a group it names before more of the name
    left out: "中国电子科技集团公司第二十八研究所" is "中国电子科技集团第二十八研究所"
    (a name that ends in "集团有限公司" keeps it)."""
    return _HAN_GROUP_FORM.sub("集团", han) if "集团" in han else han
